using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class SchedulingTests(ClusterFixture cluster)
{
    private static VmSpec SpecFor(string suite, long memoryBytes = 128L << 20) => new()
    {
        MemoryBytes = memoryBytes,
        NodeSelector = ImmutableDictionary<string, string>.Empty.Add("suite", suite),
    };

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task AVmWaitsAsErrorUnschedulableUntilAMatchingNodeRegistersThenIsPlaced()
    {
        var suite = NewName("later");
        var id = new VmId("sched", NewName("vm"));

        await cluster.Vm(id).CreateAsync(SpecFor(suite));

        var waiting = await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.ErrorUnschedulable, "ErrorUnschedulable");
        var failure = waiting.Status.Condition(ConditionTypes.Failure);
        Assert.Equal("Unschedulable", failure?.Reason);
        Assert.Contains($"nodes match nodeSelector {{suite={suite}}}", failure?.Message);

        await using var agent = await cluster.StartAgentAsync(suite);

        var desired = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running, "the waiting VM placed on the new node");
        var placed = await Eventually.VmAsync(cluster, id, vm => vm.Status.Node == agent.Node, $"placed on {agent.Node}");
        Assert.Equal((PrintableStatus.Starting, VmPhase.Scheduled, desired.InstanceId), (placed.Status.PrintableStatus, placed.Status.Phase, placed.Status.InstanceId));
        Assert.Null(placed.Status.Condition(ConditionTypes.Failure));
    }

    [Fact]
    public async Task InsufficientMemoryIsTheReasonWhenOnlyTooSmallNodesMatch()
    {
        await using var agent = await cluster.StartAgentAsync(NewName("small"), vcpus: 4, memoryBytes: 512L << 20);
        var id = new VmId("sched", NewName("big"));

        await cluster.Vm(id).CreateAsync(SpecFor(agent.Node, memoryBytes: 1L << 30));

        var vm = await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.ErrorUnschedulable, "ErrorUnschedulable");
        Assert.Equal("0/1 nodes have room: insufficient memory on 1 node (need 1 vCPUs, 1Gi)", vm.Status.Condition(ConditionTypes.Failure)?.Message);
        Assert.Null(vm.Status.Node);
    }

    [Fact]
    public async Task CapacityReservationIsAtomicWhenManyVmsRaceForANodeThatFitsOnlySome()
    {
        await using var agent = await cluster.StartAgentAsync(NewName("race"), vcpus: 64, memoryBytes: 1L << 30);
        var ids = Enumerable.Range(0, 10).Select(i => new VmId("race", NewName($"vm{i}"))).ToList();

        await Task.WhenAll(ids.Select(id => cluster.Vm(id).CreateAsync(SpecFor(agent.Node, memoryBytes: 256L << 20))));

        var vms = await Task.WhenAll(ids.Select(id => Eventually.VmAsync(cluster, id,
            vm => vm.Status.PrintableStatus is PrintableStatus.Starting or PrintableStatus.ErrorUnschedulable && (vm.Status.Node is not null || vm.Status.Condition(ConditionTypes.Failure) is not null),
            "placed or unschedulable")));
        var node = await cluster.Client.GetGrain<INodeGrain>(agent.Node).GetInfoAsync();
        Assert.Equal(4, vms.Count(vm => vm.Status.Node == agent.Node));
        Assert.Equal((4, 1L << 30), (node.VmCount, node.Allocated.MemoryBytes));
        Assert.All(vms.Where(vm => vm.Status.Node is null), vm =>
        {
            Assert.Equal(PrintableStatus.ErrorUnschedulable, vm.Status.PrintableStatus);
            Assert.Contains("insufficient memory", vm.Status.Condition(ConditionTypes.Failure)?.Message);
        });

        var placed = vms.First(vm => vm.Status.Node is not null);
        await agent.WaitForDesiredAsync(placed.Id, d => d.Power == DesiredPower.Running, "the placed VM's run");
        await cluster.Vm(placed.Id).DeleteAsync();
        var absent = await agent.WaitForDesiredAsync(placed.Id, d => d.Power == DesiredPower.Absent, "power Absent");
        await agent.ReportAsync(absent, DomainState.Absent);

        var waiting = vms.Where(vm => vm.Status.Node is null).Select(vm => vm.Id).ToList();
        await Eventually.UntilAsync(
            async () => (await Task.WhenAll(waiting.Select(id => cluster.Vm(id).GetAsync()))).Count(r => r.Vm?.Status.Node == agent.Node),
            count => count == 1,
            $"one of the waiting VMs placed on {agent.Node} once {placed.Id} freed its memory",
            count => $"{count} placed");
    }

    [Fact]
    public async Task ConcurrentReservationsOnOneNodeNeverOvercommitIt()
    {
        await using var agent = await cluster.StartAgentAsync(NewName("atomic"), vcpus: 64, memoryBytes: 1L << 30);
        var node = cluster.Client.GetGrain<INodeGrain>(agent.Node);
        var need = new NodeResources { Vcpus = 1, MemoryBytes = 256L << 20 };

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            node.TryReserveAsync(new VmId("atomic", $"vm-{i}"), need, ImmutableDictionary<string, string>.Empty)));

        Assert.Equal(4, results.Count(r => r.Reserved));
        Assert.All(results.Where(r => !r.Reserved), r => Assert.StartsWith($"insufficient memory on node {agent.Node} (need 256Mi, free 0", r.Reason));
        Assert.Equal(1L << 30, (await node.GetInfoAsync()).Allocated.MemoryBytes);
    }

    [Fact]
    public async Task NodeRegistrationHeartbeatsAndReservationsShowInTheDirectory()
    {
        await using var agent = await cluster.StartAgentAsync(NewName("dir"), vcpus: 2, memoryBytes: 1L << 30);
        var nodeGrain = cluster.Client.GetGrain<INodeGrain>(agent.Node);

        var beat = await agent.HeartbeatAsync();
        var refused = await nodeGrain.TryReserveAsync(new VmId("dir", "x"), new NodeResources { Vcpus = 4, MemoryBytes = 1 }, ImmutableDictionary<string, string>.Empty);
        var mismatch = await nodeGrain.TryReserveAsync(new VmId("dir", "y"), new NodeResources { Vcpus = 1, MemoryBytes = 1 }, ImmutableDictionary<string, string>.Empty.Add("disk", "ssd"));
        var stranger = await Assert.ThrowsAsync<InvalidOperationException>(() => nodeGrain.HeartbeatAsync("not-the-agent"));

        Assert.Equal((true, "AgentReady", 1L), (beat.Ready, beat.Reason, beat.Epoch));
        Assert.Equal((false, $"insufficient cpu on node {agent.Node} (need 4, free 2)"), (refused.Reserved, refused.Reason));
        Assert.Equal((false, $"node {agent.Node} does not match nodeSelector {{disk=ssd}}"), (mismatch.Reserved, mismatch.Reason));
        Assert.Contains("register again", stranger.Message);
        var negative = await Assert.ThrowsAsync<ArgumentException>(() => nodeGrain.TryReserveAsync(new VmId("dir", "z"), new NodeResources { Vcpus = -1 }, ImmutableDictionary<string, string>.Empty));
        Assert.Contains("is negative", negative.Message);
        var listed = (await cluster.Client.GetGrain<INodeDirectoryGrain>(GrainKeys.NodeDirectory).ListAsync()).Single(n => n.Name == agent.Node);
        Assert.Equal((true, 2, 0), (listed.Ready, listed.Allocatable.Vcpus, listed.VmCount));
    }

    [Fact]
    public async Task AHeartbeatThatChangesNothingElseIsKeptInMemoryAndAReservationIsStored()
    {
        await using var agent = await cluster.StartAgentAsync(NewName("beat"), vcpus: 2, memoryBytes: 1L << 30);
        await agent.HeartbeatAsync();
        var directory = cluster.Client.GetGrain<INodeDirectoryGrain>(GrainKeys.NodeDirectory);
        var storage = cluster.SiloServices.GetRequiredKeyedService<IGrainStorage>(OrvirtNames.GrainStorage);
        async Task<NodeInfo> Stored()
        {
            var state = new GrainState<NodeDirectoryState>();
            await storage.ReadStateAsync("directory", directory.GetGrainId(), state);
            return state.State!.Nodes[agent.Node];
        }

        // The directory lists the newest heartbeat while its stored copy keeps an older one: heartbeats are not written.
        var (listed, stored) = await Eventually.UntilAsync(
            async () =>
            {
                await agent.HeartbeatAsync();
                return ((await directory.ListAsync()).Single(n => n.Name == agent.Node), await Stored());
            },
            pair => pair.Item2.LastHeartbeat < pair.Item1.LastHeartbeat,
            $"node {agent.Node}'s stored heartbeat older than the one the directory lists",
            pair => $"listed {pair.Item1.LastHeartbeat:O}, stored {pair.Item2.LastHeartbeat:O}");
        Assert.Equal((listed.Ready, listed.Allocated), (stored.Ready, stored.Allocated));

        // A change beyond the heartbeat is stored.
        var reserved = await cluster.Client.GetGrain<INodeGrain>(agent.Node).TryReserveAsync(new VmId("beat", "x"), new NodeResources { Vcpus = 1, MemoryBytes = 1 << 20 }, ImmutableDictionary<string, string>.Empty);
        Assert.True(reserved.Reserved, reserved.Reason);
        var afterReservation = await Eventually.UntilAsync(Stored, n => n.Allocated.Vcpus == 1, $"node {agent.Node}'s reservation stored in the directory", n => $"stored allocated {n.Allocated.Vcpus} vCPUs");
        Assert.Equal(1, afterReservation.VmCount);
    }
}
