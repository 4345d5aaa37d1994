using System.Collections.Immutable;
using Orleans.Core.Internal;
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

        // As after a crash: the index activates again from its stored state.
        await index.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
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
    public async Task AnInvalidSelectorOrContinueTokenIsRefusedWithTheReason()
    {
        var index = cluster.Client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex);

        var selector = await Assert.ThrowsAsync<ArgumentException>(() => index.ListAsync(new VmListQuery { LabelSelector = "tier in web" }));
        var token = await Assert.ThrowsAsync<ArgumentException>(() => index.ListAsync(new VmListQuery { Continue = "%%%" }));

        Assert.Contains("a set must be in parentheses", selector.Message);
        Assert.Contains("continue token is not valid", token.Message);
    }
}
