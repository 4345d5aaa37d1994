using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Testing;
using static Orvirt.Silo.Tests.Api.Requests;

namespace Orvirt.Silo.Tests.Api;

[Collection(SiloCollection.Name)]
public sealed class VirtualMachinesApiTests(SiloFixture silo)
{
    private readonly VirtualMachines.VirtualMachinesClient _vms = silo.Vms;

    [Fact]
    public async Task CreateReturnsTheVmAtGenerationOneAndGetShowsTheSame()
    {
        var ns = SiloFixture.UniqueNamespace("create");
        var created = await _vms.CreateAsync(Create(ns, "web-1", memory: "256Mi", labels: ("app", "web")));

        Assert.Equal(ns, created.Metadata.Namespace);
        Assert.Equal("web-1", created.Metadata.Name);
        Assert.Equal(1, created.Metadata.Generation);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.Equal("256Mi", created.Spec.Memory);
        Assert.Equal("Halted", created.Spec.RunStrategy);
        Assert.Equal("web", created.Metadata.Labels["app"]);
        Assert.Equal("cirros.qcow2", created.Spec.Disks.Single().Image.Path);

        var got = await _vms.GetAsync(new GetRequest { Namespace = ns, Name = "web-1" });
        Assert.Equal(created.Metadata.Uid, got.Metadata.Uid);
        Assert.Equal(created.Spec, got.Spec);
        Assert.Equal("Stopped", got.Status.PrintableStatus);
    }

    [Fact]
    public async Task AnEmptyNamespaceMeansDefault()
    {
        var name = SiloFixture.UniqueNamespace("dflt");
        var created = await _vms.CreateAsync(Create("", name));

        Assert.Equal("default", created.Metadata.Namespace);
        var got = await _vms.GetAsync(new GetRequest { Namespace = "default", Name = name });
        Assert.Equal(created.Metadata.Uid, got.Metadata.Uid);
        await _vms.DeleteAsync(Ref("default", name));
    }

    [Fact]
    public async Task CreatingANameTwiceIsAlreadyExists()
    {
        var ns = SiloFixture.UniqueNamespace("twice");
        await _vms.CreateAsync(Create(ns, "vm"));

        var error = await FailsWith(StatusCode.AlreadyExists, async () => await _vms.CreateAsync(Create(ns, "vm")));
        Assert.Contains("vm", error.Status.Detail);
    }

    [Fact]
    public async Task GetOfAnUnknownVmIsNotFound()
    {
        var error = await FailsWith(StatusCode.NotFound, async () => await _vms.GetAsync(new GetRequest { Namespace = "nowhere", Name = "nothing" }));
        Assert.Contains("nothing", error.Status.Detail);
    }

    [Fact]
    public async Task ApplyCreatesThenLeavesTheGenerationAloneForTheSameSpecAndBumpsItOnAChange()
    {
        var ns = SiloFixture.UniqueNamespace("apply");
        var request = Create(ns, "db");

        var first = await _vms.ApplyAsync(Apply(request));
        Assert.True(first.Created);
        Assert.True(first.Changed);
        Assert.Equal(1, first.Vm.Metadata.Generation);

        var same = await _vms.ApplyAsync(Apply(request));
        Assert.False(same.Created);
        Assert.False(same.Changed);
        Assert.Equal(1, same.Vm.Metadata.Generation);

        request.Spec.Memory = "512Mi";
        var bigger = await _vms.ApplyAsync(Apply(request));
        Assert.False(bigger.Created);
        Assert.True(bigger.Changed);
        Assert.Equal(2, bigger.Vm.Metadata.Generation);
        Assert.Equal("512Mi", bigger.Vm.Spec.Memory);

        // Labels are metadata: a change is reported but does not bump the generation.
        request.Labels["team"] = "blue";
        var relabelled = await _vms.ApplyAsync(Apply(request));
        Assert.True(relabelled.Changed);
        Assert.Equal(2, relabelled.Vm.Metadata.Generation);
        Assert.Equal("blue", relabelled.Vm.Metadata.Labels["team"]);
    }

    [Fact]
    public async Task ApplyWithAStaleExpectedGenerationIsFailedPrecondition()
    {
        var ns = SiloFixture.UniqueNamespace("apply-cas");
        var request = Create(ns, "vm");
        await _vms.CreateAsync(request);
        request.Spec.Memory = "512Mi";

        await FailsWith(StatusCode.FailedPrecondition, async () => await _vms.ApplyAsync(Apply(request, expectedGeneration: 7)));

        var got = await _vms.GetAsync(new GetRequest { Namespace = ns, Name = "vm" });
        Assert.Equal("128Mi", got.Spec.Memory);
    }

    [Fact]
    public async Task UpdateWithTheCurrentGenerationAppliesAndAStaleOneIsFailedPrecondition()
    {
        var ns = SiloFixture.UniqueNamespace("update");
        var create = Create(ns, "vm");
        await _vms.CreateAsync(create);
        var update = new UpdateRequest { Namespace = ns, Name = "vm", Spec = create.Spec.Clone(), ExpectedGeneration = 1 };
        update.Spec.Memory = "1Gi";

        var updated = await _vms.UpdateAsync(update);
        Assert.Equal(2, updated.Metadata.Generation);
        Assert.Equal("1Gi", updated.Spec.Memory);

        update.Spec.Memory = "2Gi";
        var error = await FailsWith(StatusCode.FailedPrecondition, async () => await _vms.UpdateAsync(update));
        Assert.False(string.IsNullOrEmpty(error.Status.Detail));
        Assert.Equal("1Gi", (await _vms.GetAsync(new GetRequest { Namespace = ns, Name = "vm" })).Spec.Memory);
    }

    [Fact]
    public async Task UpdateWithTheSameSpecKeepsTheGeneration()
    {
        var ns = SiloFixture.UniqueNamespace("update-same");
        var create = Create(ns, "vm");
        await _vms.CreateAsync(create);

        var updated = await _vms.UpdateAsync(new UpdateRequest { Namespace = ns, Name = "vm", Spec = create.Spec.Clone(), ExpectedGeneration = 1 });

        Assert.Equal(1, updated.Metadata.Generation);
    }

    [Fact]
    public async Task UpdateOfAnUnknownVmIsNotFound()
    {
        var create = Create(SiloFixture.UniqueNamespace("update-none"), "ghost");
        await FailsWith(StatusCode.NotFound, async () =>
            await _vms.UpdateAsync(new UpdateRequest { Namespace = create.Namespace, Name = "ghost", Spec = create.Spec, ExpectedGeneration = 1 }));
    }

    [Fact]
    public async Task DeleteOfANeverPlacedVmRemovesItWithoutAnAgent()
    {
        var ns = SiloFixture.UniqueNamespace("delete");
        await _vms.CreateAsync(Create(ns, "vm", runStrategy: "Always"));

        await _vms.DeleteAsync(Ref(ns, "vm"));

        await Eventually.MatchAsync(
            async () => (await _vms.ListAsync(new ListRequest { Namespace = ns })).Items.Count,
            count => count == 0,
            $"the deleted VM {ns}/vm to leave the list");
        await FailsWith(StatusCode.NotFound, async () => await _vms.GetAsync(new GetRequest { Namespace = ns, Name = "vm" }));
        // The name is free again: a new VM with a new uid.
        var again = await _vms.CreateAsync(Create(ns, "vm"));
        Assert.Equal(1, again.Metadata.Generation);
    }

    [Fact]
    public async Task DeleteOfAnUnknownVmIsNotFound()
    {
        await FailsWith(StatusCode.NotFound, async () => await _vms.DeleteAsync(Ref(SiloFixture.UniqueNamespace("delete-none"), "ghost")));
    }

    [Fact]
    public async Task WithoutANodeAnAlwaysVmIsErrorUnschedulableWithAReason()
    {
        var ns = SiloFixture.UniqueNamespace("unsched");
        await _vms.CreateAsync(Create(ns, "vm", runStrategy: "Always"));

        var vm = await Eventually.MatchAsync(
            () => _vms.GetAsync(new GetRequest { Namespace = ns, Name = "vm" }).ResponseAsync,
            v => v.Status.PrintableStatus == "ErrorUnschedulable",
            $"{ns}/vm to become ErrorUnschedulable without any node");

        Assert.False(vm.Status.Ready);
        Assert.Contains(vm.Status.Conditions, c => c.Status != "True" && !string.IsNullOrWhiteSpace(c.Message) && !string.IsNullOrWhiteSpace(c.Reason));
    }

    [Fact]
    public async Task ListPagesInNameOrderWithLimitAndContinue()
    {
        var ns = SiloFixture.UniqueNamespace("page");
        var names = new[] { "vm-e", "vm-a", "vm-d", "vm-b", "vm-c" };
        await Task.WhenAll(names.Select(n => _vms.CreateAsync(Create(ns, n)).ResponseAsync));

        var seen = new List<string>();
        var pages = 0;
        var token = "";
        do
        {
            var page = await _vms.ListAsync(new ListRequest { Namespace = ns, Limit = 2, ContinueToken = token });
            Assert.True(page.Items.Count <= 2, $"page {pages} has {page.Items.Count} items with limit 2");
            seen.AddRange(page.Items.Select(i => i.Metadata.Name));
            token = page.ContinueToken;
            pages++;
        }
        while (token != "" && pages < 10);

        Assert.Equal(["vm-a", "vm-b", "vm-c", "vm-d", "vm-e"], seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task ListFiltersByLabelSelectorAndNamespace()
    {
        var ns = SiloFixture.UniqueNamespace("labels");
        var other = SiloFixture.UniqueNamespace("labels-other");
        await _vms.CreateAsync(Create(ns, "web-1", labels: ("tier", "web")));
        await _vms.CreateAsync(Create(ns, "web-2", labels: ("tier", "web")));
        await _vms.CreateAsync(Create(ns, "db-1", labels: ("tier", "db")));
        await _vms.CreateAsync(Create(ns, "bare"));
        await _vms.CreateAsync(Create(other, "web-9", labels: ("tier", "web")));

        async Task<string[]> Names(string selector) =>
            [.. (await _vms.ListAsync(new ListRequest { Namespace = ns, LabelSelector = selector })).Items.Select(i => i.Metadata.Name)];

        Assert.Equal(["web-1", "web-2"], await Names("tier=web"));
        Assert.Equal(["db-1", "web-1", "web-2"], await Names("tier in (web,db)"));
        Assert.Equal(["bare", "db-1"], await Names("tier!=web"));
        Assert.Equal(["bare"], await Names("!tier"));
        Assert.Equal(["bare", "db-1", "web-1", "web-2"], await Names(""));

        var everywhere = await _vms.ListAsync(new ListRequest { AllNamespaces = true, LabelSelector = "tier=web" });
        Assert.Contains(everywhere.Items, i => i.Metadata.Namespace == other && i.Metadata.Name == "web-9");
        Assert.Contains(everywhere.Items, i => i.Metadata.Namespace == ns && i.Metadata.Name == "web-1");
    }

    [Fact]
    public async Task ABadLabelSelectorIsInvalidArgumentOnLabelSelector()
    {
        var error = await FailsWith(StatusCode.InvalidArgument, async () => await _vms.ListAsync(new ListRequest { LabelSelector = "tier in (web" }));
        Assert.Contains(Violations(error), v => v.Field == "labelSelector" && v.Description.Length > 0);
    }

    [Fact]
    public async Task WatchSendsAddedModifiedAndDeleted()
    {
        var ns = SiloFixture.UniqueNamespace("watch");
        await _vms.CreateAsync(Create(ns, "first"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var call = _vms.Watch(new WatchRequest { Namespace = ns, SendInitial = true }, cancellationToken: cts.Token);
        var events = call.ResponseStream;

        // The initial ADDED proves the watch is subscribed (it subscribes before it lists).
        var initial = await Next(events, cts.Token);
        Assert.Equal(("ADDED", "first"), (initial.Type, initial.Vm.Metadata.Name));

        var create = Create(ns, "second");
        await _vms.CreateAsync(create);
        var added = await NextFor(events, "second", e => e.Type == "ADDED", cts.Token);
        Assert.Equal(1, added.Vm.Metadata.Generation);

        create.Spec.Memory = "256Mi";
        await _vms.ApplyAsync(Apply(create));
        var modified = await NextFor(events, "second", e => e.Type == "MODIFIED" && e.Vm.Spec.Memory == "256Mi", cts.Token);
        Assert.Equal(2, modified.Vm.Metadata.Generation);

        await _vms.DeleteAsync(Ref(ns, "second"));
        var deleted = await NextFor(events, "second", e => e.Type == "DELETED", cts.Token);
        Assert.Equal(ns, deleted.Vm.Metadata.Namespace);
    }

    [Fact]
    public async Task WatchSendsItsResponseHeadersOnceSubscribedEvenWhenThereIsNothingToList()
    {
        // orvirt vm wait relies on this: it reads the VM again once the headers arrived, and a VM deleted before then is
        // in neither the (empty) initial list nor the events.
        var ns = SiloFixture.UniqueNamespace("watch-h");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var call = _vms.Watch(new WatchRequest { Namespace = ns, SendInitial = true }, cancellationToken: cts.Token);

        try
        {
            await call.ResponseHeadersAsync.WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"a watch on the empty namespace {ns} sent no response headers within 60 s; the server must send them once it is subscribed");
        }

        // Subscribed by then: a VM created after the headers arrives as an event.
        await _vms.CreateAsync(Create(ns, "after-headers"));
        var added = await NextFor(call.ResponseStream, "after-headers", e => e.Type == "ADDED", cts.Token);
        Assert.Equal(ns, added.Vm.Metadata.Namespace);
    }

    [Fact]
    public async Task WatchOnlySendsTheWatchedNamespaceAndSelector()
    {
        var ns = SiloFixture.UniqueNamespace("watch-f");
        await _vms.CreateAsync(Create(ns, "marker", labels: ("tier", "web")));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var call = _vms.Watch(new WatchRequest { Namespace = ns, LabelSelector = "tier=web", SendInitial = true }, cancellationToken: cts.Token);
        var events = call.ResponseStream;
        Assert.Equal("marker", (await Next(events, cts.Token)).Vm.Metadata.Name);

        await _vms.CreateAsync(Create(SiloFixture.UniqueNamespace("watch-elsewhere"), "web", labels: ("tier", "web")));
        await _vms.CreateAsync(Create(ns, "db", labels: ("tier", "db")));
        await _vms.CreateAsync(Create(ns, "web", labels: ("tier", "web")));

        // Events are delivered in order from one stream, so anything unfiltered would arrive before this one.
        var next = await Next(events, cts.Token);
        while (next.Vm.Metadata.Name == "marker")
        {
            next = await Next(events, cts.Token);
        }
        Assert.Equal((ns, "web"), (next.Vm.Metadata.Namespace, next.Vm.Metadata.Name));
    }

    [Fact]
    public async Task ListNodesAnswersWithNoNodesWhenNoAgentRegistered()
    {
        var nodes = await silo.Nodes.ListAsync(new ListNodesRequest());

        Assert.Empty(nodes.Items);
    }

    private static async Task<WatchEvent> Next(IAsyncStreamReader<WatchEvent> events, CancellationToken cancellationToken)
    {
        Assert.True(await events.MoveNext(cancellationToken), "the watch ended early");
        return events.Current;
    }

    /// <summary>Reads events until one for <paramref name="name"/> matches; events for it that do not match (status changes) are skipped.</summary>
    private static async Task<WatchEvent> NextFor(IAsyncStreamReader<WatchEvent> events, string name, Func<WatchEvent, bool> match, CancellationToken cancellationToken)
    {
        var skipped = new List<string>();
        while (skipped.Count < 1000)
        {
            var e = await Next(events, cancellationToken);
            if (e.Vm.Metadata.Name == name && match(e))
            {
                return e;
            }
            skipped.Add($"{e.Type} {e.Vm.Metadata.Name} gen {e.Vm.Metadata.Generation} {e.Vm.Status.PrintableStatus}");
        }
        throw new Xunit.Sdk.XunitException($"no matching event for {name}; skipped: {string.Join(", ", skipped)}");
    }
}
