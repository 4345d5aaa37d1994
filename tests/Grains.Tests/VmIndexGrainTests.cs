using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.Storage;
using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class VmIndexGrainTests(ClusterFixture cluster)
{
    [Fact]
    public async Task ListsByNamespaceAndLabelSelectorInNameOrderWithPaging()
    {
        var ns = $"list-{Guid.NewGuid():N}"[..20];
        var other = ns + "-b";
        var halted = new VmSpec { RunStrategy = RunStrategy.Halted };
        foreach (var (name, tier) in new[] { ("web-c", "web"), ("web-a", "web"), ("db-a", "db"), ("web-b", "web") })
        {
            await cluster.Vm(new VmId(ns, name)).CreateAsync(halted with { Labels = ImmutableDictionary<string, string>.Empty.Add("tier", tier) });
        }
        await cluster.Vm(new VmId(other, "web-z")).CreateAsync(halted with { Labels = ImmutableDictionary<string, string>.Empty.Add("tier", "web") });
        var index = cluster.Client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex);

        var all = await index.ListAsync(new VmListQuery { Namespace = ns });
        var web = await index.ListAsync(new VmListQuery { Namespace = ns, LabelSelector = "tier in (web)" });
        var notDb = await index.ListAsync(new VmListQuery { Namespace = ns, LabelSelector = "tier!=db" });
        var page1 = await index.ListAsync(new VmListQuery { Namespace = ns, Limit = 2 });
        var page2 = await index.ListAsync(new VmListQuery { Namespace = ns, Limit = 2, Continue = page1.Continue });
        var everywhere = await index.ListAsync(new VmListQuery { LabelSelector = "tier=web" });

        Assert.Equal(["db-a", "web-a", "web-b", "web-c"], all.Items.Select(i => i.Name));
        Assert.Equal(["web-a", "web-b", "web-c"], web.Items.Select(i => i.Name));
        Assert.Equal(web.Items.ToArray(), notDb.Items.ToArray());
        Assert.Equal(["db-a", "web-a"], page1.Items.Select(i => i.Name));
        Assert.Equal(["web-b", "web-c"], page2.Items.Select(i => i.Name));
        Assert.NotEmpty(page1.Continue);
        Assert.Empty(page2.Continue);
        Assert.Contains(new VmId(other, "web-z"), everywhere.Items);
        Assert.DoesNotContain(new VmId(ns, "db-a"), everywhere.Items);
    }

    [Fact]
    public async Task AnEntryWithoutItsVmIsRemovedOnceTheIndexActivatesAgain()
    {
        var ns = $"orphan-{Guid.NewGuid():N}"[..20];
        var halted = new VmSpec { RunStrategy = RunStrategy.Halted };
        await cluster.Vm(new VmId(ns, "kept")).CreateAsync(halted);
        var index = cluster.Client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex);
        // What a create leaves when its silo dies after the index write and before the VM's own state write.
        await index.UpsertAsync(new VmIndexEntry { Namespace = ns, Name = "orphan" });
        Assert.Equal(["kept", "orphan"], (await index.ListAsync(new VmListQuery { Namespace = ns })).Items.Select(i => i.Name));

        // As after a crash: the shard that holds the entry activates again from its stored state.
        var shard = cluster.Client.GetGrain<IVmIndexShardGrain>(VmIndexShards.ShardOf(new VmId(ns, "orphan")));
        await shard.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        var after = await Eventually.UntilAsync(
            () => index.ListAsync(new VmListQuery { Namespace = ns }),
            page => page.Items.All(i => i.Name != "orphan"),
            $"the entry of {ns}/orphan, which has no VM, removed after the index activated again",
            page => string.Join(",", page.Items.Select(i => i.Name)));

        Assert.Equal(["kept"], after.Items.Select(i => i.Name));
        Assert.Equal(1, await index.CountAsync(ns));
        Assert.True((await cluster.Vm(new VmId(ns, "kept")).GetAsync()).IsOk);
    }

    [Fact]
    public async Task PagesAcrossEveryShardListEachVmOnceInNameOrderAndCountFollowsCreatesAndDeletes()
    {
        var ns = $"pages-{Guid.NewGuid():N}"[..20];
        var halted = new VmSpec { RunStrategy = RunStrategy.Halted };
        var names = Enumerable.Range(0, 150).Select(i => $"vm-{i:D3}").ToList();
        await Task.WhenAll(names.Select(name => cluster.Vm(new VmId(ns, name)).CreateAsync(halted with
        {
            Labels = ImmutableDictionary<string, string>.Empty.Add("parity", int.Parse(name[3..]) % 2 == 0 ? "even" : "odd"),
        })));
        var index = cluster.Client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex);

        var shardsUsed = names.Select(n => VmIndexShards.ShardOf(new VmId(ns, n))).Distinct().Count();
        var paged = await ListAllPagesAsync(index, new VmListQuery { Namespace = ns, Limit = 7 });
        var evenPaged = await ListAllPagesAsync(index, new VmListQuery { Namespace = ns, Limit = 10, LabelSelector = "parity=even" });
        var countBefore = await index.CountAsync(ns);
        foreach (var name in names.Take(40))
        {
            Assert.True((await cluster.Vm(new VmId(ns, name)).DeleteAsync()).IsOk);
        }
        var countAfter = await Eventually.UntilAsync(() => index.CountAsync(ns), c => c == 110,
            $"the count of {ns} down to 110 after 40 of its 150 Halted VMs were deleted", c => c.ToString());
        var rest = await ListAllPagesAsync(index, new VmListQuery { Namespace = ns, Limit = 50 });

        Assert.True(shardsUsed > 1, $"150 VMs landed in {shardsUsed} shard(s); the test needs several");
        Assert.Equal(names, paged);
        Assert.Equal(names.Where((_, i) => i % 2 == 0), evenPaged);
        Assert.Equal(150, countBefore);
        Assert.Equal(110, countAfter);
        Assert.Equal(names.Skip(40), rest);
    }

    [Fact]
    public async Task PagesStayCompleteAndOrderedWhenOneShardHoldsMostOfTheNamespace()
    {
        var ns = $"skew-{Guid.NewGuid():N}"[..20];
        var candidates = Enumerable.Range(0, 20_000).Select(i => $"vm-{i:D5}").ToList();
        var crowded = VmIndexShards.ShardOf(new VmId(ns, candidates[0]));
        var sameShard = candidates.Where(n => VmIndexShards.ShardOf(new VmId(ns, n)) == crowded).Take(40).ToList();
        var elsewhere = candidates.Where(n => VmIndexShards.ShardOf(new VmId(ns, n)) != crowded).Take(25).ToList();
        var names = sameShard.Concat(elsewhere).Order(StringComparer.Ordinal).ToList();
        var halted = new VmSpec { RunStrategy = RunStrategy.Halted };
        await Task.WhenAll(names.Select(name => cluster.Vm(new VmId(ns, name)).CreateAsync(halted)));
        var index = cluster.Client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex);

        // Pages of 10 ask each shard for a handful at a time; the crowded shard needs several rounds per page.
        var paged = await ListAllPagesAsync(index, new VmListQuery { Namespace = ns, Limit = 10 });
        var onePage = await index.ListAsync(new VmListQuery { Namespace = ns, Limit = names.Count });

        Assert.Equal(40, sameShard.Count);
        Assert.Equal(names, paged);
        Assert.Equal(names, onePage.Items.Select(i => i.Name));
        Assert.Empty(onePage.Continue);
    }

    [Fact]
    public async Task EntriesOfTheUnshardedIndexOfEarlierVersionsAreMovedIntoTheShardsOnActivation()
    {
        var ns = $"legacy-{Guid.NewGuid():N}"[..20];
        var halted = new VmSpec { RunStrategy = RunStrategy.Halted };
        var names = Enumerable.Range(0, 20).Select(i => $"vm-{i:D2}").ToList();
        await Task.WhenAll(names.Select(name => cluster.Vm(new VmId(ns, name)).CreateAsync(halted)));
        var index = cluster.Client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex);
        var storage = cluster.SiloServices.GetRequiredKeyedService<IGrainStorage>(OrvirtNames.GrainStorage);
        // What an earlier version stored: every entry in the index grain's own state ("index").
        var legacy = new GrainState<VmIndexState>(new VmIndexState
        {
            Entries = names.ToDictionary(n => new VmId(ns, n).Key, n => new VmIndexEntry { Namespace = ns, Name = n, Labels = ImmutableDictionary<string, string>.Empty.Add("from", "legacy") }),
        });
        var current = new GrainState<VmIndexState>();
        await storage.ReadStateAsync("index", index.GetGrainId(), current);
        legacy.ETag = current.ETag;
        await storage.WriteStateAsync("index", index.GetGrainId(), legacy);

        await index.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        var listed = await Eventually.UntilAsync(
            () => index.ListAsync(new VmListQuery { Namespace = ns, LabelSelector = "from=legacy" }),
            page => page.Items.Length == names.Count,
            $"the {names.Count} entries of {ns} stored in the unsharded index listed from the shards with their stored labels",
            page => string.Join(",", page.Items.Select(i => i.Name)));
        var left = new GrainState<VmIndexState>();
        await storage.ReadStateAsync("index", index.GetGrainId(), left);

        Assert.Equal(names, listed.Items.Select(i => i.Name));
        Assert.Equal(names.Count, await index.CountAsync(ns));
        Assert.NotNull(left.State);
        Assert.Empty(left.State.Entries);
    }

    [Fact]
    public async Task AnInvalidSelectorOrContinueTokenIsRefusedWithTheReason()
    {
        var index = cluster.Client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex);

        var selector = await Assert.ThrowsAsync<ArgumentException>(() => index.ListAsync(new VmListQuery { LabelSelector = "tier in web" }));
        var token = await Assert.ThrowsAsync<ArgumentException>(() => index.ListAsync(new VmListQuery { Continue = "%%%" }));

        Assert.Contains("a set must be in parentheses", selector.Message);
        Assert.Contains("continue token is not valid", token.Message);
    }

    private static async Task<List<string>> ListAllPagesAsync(IVmIndexGrain index, VmListQuery query)
    {
        var names = new List<string>();
        for (var page = 0; page < 1000; page++)
        {
            var result = await index.ListAsync(query);
            Assert.True(query.Limit == 0 || result.Items.Length <= query.Limit, $"page {page} holds {result.Items.Length} VMs, more than the limit {query.Limit}");
            names.AddRange(result.Items.Select(i => i.Name));
            if (string.IsNullOrEmpty(result.Continue))
            {
                return names;
            }
            query = query with { Continue = result.Continue };
        }
        throw new InvalidOperationException($"still a continue token after 1000 pages of {query}");
    }
}
