using k8s;

namespace Orvirt.Kubernetes.Tests.Sync;

[Collection(SyncClusterCollection.Name)]
public sealed class SyncResilienceTests(SyncClusterFixture cluster)
{
    [Fact]
    public async Task DroppedWatchesAndCompactionsDuringAHundredChangesLoseNoneAndDoNotMakeTheSyncSpin()
    {
        await using var h = await SyncHarness.StartAsync(cluster);
        await h.CreateAsync(h.Vm("busy"));
        await h.WaitForCrAsync("busy", c => (string?)c["status"]?["printableStatus"] == "Running", "Running");
        var listsBefore = h.Api.Faults.Count("GET", "/virtualmachines", watch: false);
        var watchesBefore = h.Api.Faults.Count("GET", "/virtualmachines", watch: true);
        const int changes = 100;
        var drops = 0;
        var compactions = 0;

        for (var i = 1; i <= changes; i++)
        {
            await h.PatchAsync("busy", "{\"spec\":{\"template\":{\"spec\":{\"terminationGracePeriodSeconds\":" + i + "}}}}");
            if (i % 10 == 0)
            {
                drops++;
                h.Api.DropAllWatches(abortConnections: i % 20 == 0);
            }
            if (i % 25 == 0)
            {
                // A change after a drop and then a compaction: the sync's next watch is from a compacted version (410).
                await h.PatchAsync("busy", "{\"metadata\":{\"labels\":{\"round\":\"r" + i + "\"}}}");
                compactions++;
                h.Api.Compact();
            }
        }

        var cr = await h.WaitForCrAsync("busy", c => (long?)c["status"]?["desiredGeneration"] == 1 + changes,
            $"desiredGeneration {1 + changes} (every change applied)", TimeSpan.FromSeconds(30));
        var vm = (await h.Grain("busy").GetAsync()).Vm!;
        Assert.Equal(changes, vm.Spec.TerminationGracePeriodSeconds);
        Assert.Equal("r100", vm.Spec.Labels["round"]);
        Assert.Equal(1 + changes, Kube.Generation(cr));
        Assert.True(vm.Generation <= 1 + changes, $"the grain is at generation {vm.Generation}: some change took effect twice");
        var lists = h.Api.Faults.Count("GET", "/virtualmachines", watch: false) - listsBefore;
        var watches = h.Api.Faults.Count("GET", "/virtualmachines", watch: true) - watchesBefore;
        Assert.True(lists <= compactions + 2, $"{lists} lists for {compactions} compactions: the sync relists more than it must");
        Assert.True(watches <= drops + compactions + 10, $"{watches} watches for {drops} drops and {compactions} compactions: the sync spins");
    }

    [Fact]
    public async Task WatchesThatEndBeforeTheirFirstEventAreRetriedWithBackoffNotInALoop()
    {
        await using var h = await SyncHarness.StartAsync(cluster);
        await Eventually.Until(() => h.Api.WatchCount == 1, "the sync to watch");
        var before = h.Api.Faults.Count("GET", "/virtualmachines", watch: true);

        for (var i = 0; i < 5; i++)
        {
            await Eventually.Until(() => h.Api.WatchCount == 1, $"the sync to watch again after drop {i}");
            h.Api.DropAllWatches();
        }
        await h.CreateAsync(h.Vm("after-drops"));

        await h.WaitForCrAsync("after-drops", c => (string?)c["status"]?["printableStatus"] == "Running", "the VM made after the drops to run");
        var watches = h.Api.Faults.Count("GET", "/virtualmachines", watch: true) - before;
        Assert.True(watches <= 5 + 3, $"{watches} watches after 5 drops: the sync spins on empty watches");
    }

    [Fact]
    public async Task OfTwoSilosExactlyOneSyncsAndTheOtherTakesOverWhenItDies()
    {
        await using var h = await SyncHarness.StartAsync(cluster, syncs: 2);
        await Eventually.Until(() => h.Syncs.Count(s => s.IsLeader) == 1, "exactly one leader",
            () => string.Join(", ", h.Syncs.Select(s => $"{s.Identity}:{s.IsLeader}")));
        await h.CreateAsync(h.Vm("first"));
        await h.WaitForCrAsync("first", c => (string?)c["status"]?["printableStatus"] == "Running", "Running under the first leader");
        Assert.Equal(1, h.Syncs.Count(s => s.IsLeader));
        Assert.Equal(1, h.Api.WatchCount);
        var leader = h.Syncs.Single(s => s.IsLeader);
        var follower = h.Syncs.Single(s => !s.IsLeader);

        await h.StopSyncAsync(leader);

        var lease = h.Options("x").LeaseDuration;
        await Eventually.Until(() => follower.IsLeader, "the follower to take over", timeout: lease * 4);
        var holder = await h.K.CoordinationV1.ReadNamespacedLeaseAsync("sync-" + h.Namespace, "orvirt-system");
        Assert.Equal(follower.Identity, holder.Spec.HolderIdentity);
        await h.CreateAsync(h.Vm("second"));
        await h.WaitForCrAsync("second", c => (string?)c["status"]?["printableStatus"] == "Running", "Running under the new leader");
    }
}
