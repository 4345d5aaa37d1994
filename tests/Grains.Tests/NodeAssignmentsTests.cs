using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.Storage;
using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

/// <summary>A node's reservations, stored in buckets apart from the node's own state.</summary>
[Collection(ClusterCollection.Name)]
public sealed class NodeAssignmentsTests(ClusterFixture cluster)
{
    [Fact]
    public async Task ReservationsKeptInTheNodeStateByEarlierVersionsAreMovedToBucketsAndReleasesSurviveReactivation()
    {
        var name = $"legacy-{Guid.NewGuid():N}"[..20];
        var node = cluster.Client.GetGrain<INodeGrain>(name);
        await node.GetInfoAsync();
        var storage = cluster.SiloServices.GetRequiredKeyedService<IGrainStorage>(OrvirtNames.GrainStorage);
        var current = new GrainState<NodeState>();
        await storage.ReadStateAsync("node", node.GetGrainId(), current);
        var vms = Enumerable.Range(0, 5).Select(i => new VmId("legacy", $"vm-{i}")).ToList();
        // What an earlier version stored: the reservations inside the node's own state.
        var legacy = new GrainState<NodeState>(new NodeState
        {
            Epoch = 1,
            Assignments = vms.ToDictionary(v => v.Key, _ => new NodeResources { Vcpus = 1, MemoryBytes = 1L << 20 }),
        })
        { ETag = current.ETag };
        await storage.WriteStateAsync("node", node.GetGrainId(), legacy);

        await node.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        var moved = await Eventually.UntilAsync(node.GetInfoAsync, n => n.VmCount == vms.Count,
            $"node {name} counting the {vms.Count} reservations stored in its state by an earlier version", n => $"VmCount {n.VmCount}");
        var stored = new GrainState<NodeState>();
        await storage.ReadStateAsync("node", node.GetGrainId(), stored);
        await node.ReleaseAsync(vms[0]);
        await node.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        var afterRelease = await Eventually.UntilAsync(node.GetInfoAsync, n => n.VmCount != vms.Count,
            $"node {name} activated again after one release", n => $"VmCount {n.VmCount}");

        Assert.Equal((5, 5L << 20), (moved.Allocated.Vcpus, moved.Allocated.MemoryBytes));
        Assert.NotNull(stored.State);
        Assert.Empty(stored.State.Assignments);
        Assert.Equal((4, 4, 4L << 20), (afterRelease.VmCount, afterRelease.Allocated.Vcpus, afterRelease.Allocated.MemoryBytes));
    }

    [Fact]
    public async Task ManyConcurrentReservationsAreAllStoredAndCountedAfterReactivation()
    {
        await using var agent = await cluster.StartAgentAsync($"many-{Guid.NewGuid():N}"[..20], vcpus: 1000, memoryBytes: 1000L << 20);
        var node = cluster.Client.GetGrain<INodeGrain>(agent.Node);
        var vms = Enumerable.Range(0, 300).Select(i => new VmId("many", $"vm-{i}")).ToList();
        var need = new NodeResources { Vcpus = 1, MemoryBytes = 1L << 20 };

        var results = await Task.WhenAll(vms.Select(vm => node.TryReserveAsync(vm, need, ImmutableDictionary<string, string>.Empty)));
        await Task.WhenAll(vms.Take(100).Select(node.ReleaseAsync));
        await node.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        var info = await Eventually.UntilAsync(node.GetInfoAsync, n => n.Registered,
            $"node {agent.Node} activated again", n => $"VmCount {n.VmCount}");

        Assert.All(results, r => Assert.True(r.Reserved, r.Reason));
        Assert.Equal((200, 200, 200L << 20), (info.VmCount, info.Allocated.Vcpus, info.Allocated.MemoryBytes));
    }
}
