using System.Collections.Immutable;
using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

[Collection(ShortHeartbeatClusterCollection.Name)]
public sealed class NodeReadinessTests(ShortHeartbeatClusterFixture cluster)
{
    [Fact]
    public async Task ANodeWithoutHeartbeatsGoesNotReadyAndAWaitingVmIsPlacedWhenHeartbeatsResumeWithinTheFenceGrace()
    {
        await using var agent = await FakeAgent.StartAsync(cluster.Client, "flaky-node",
            new NodeResources { Vcpus = 2, MemoryBytes = 1L << 30 }, ImmutableDictionary<string, string>.Empty.Add("suite", "flaky"));
        var directory = cluster.Client.GetGrain<INodeDirectoryGrain>(GrainKeys.NodeDirectory);

        var notReady = await Eventually.UntilAsync(
            async () => (await directory.ListAsync()).Single(n => n.Name == agent.Node),
            n => !n.Ready,
            $"node {agent.Node} NotReady after {cluster.NodeHeartbeatTimeout} without heartbeats",
            n => $"Ready={n.Ready} reason={n.Reason} lastHeartbeat={n.LastHeartbeat:O}");
        Assert.Equal("HeartbeatMissed", notReady.Reason);

        var id = new VmId("ready", "waits-for-ready");
        await cluster.Vm(id).CreateAsync(new VmSpec { NodeSelector = ImmutableDictionary<string, string>.Empty.Add("suite", "flaky") });
        var waiting = await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.ErrorUnschedulable, "ErrorUnschedulable");
        Assert.Equal("no Ready node: 0/1 nodes Ready", waiting.Status.Condition(ConditionTypes.Failure)?.Message);

        // The agent heartbeats again, as a live agent would, until the waiting VM is placed.
        var placed = await Eventually.UntilAsync(
            async () =>
            {
                await agent.HeartbeatAsync();
                return (await cluster.Vm(id).GetAsync()).Vm!;
            },
            vm => vm.Status.Node == agent.Node,
            $"VM {id} placed on {agent.Node} once it is Ready again",
            Eventually.Describe);
        Assert.Equal(PrintableStatus.Starting, placed.Status.PrintableStatus);
        var info = await cluster.Client.GetGrain<INodeGrain>(agent.Node).GetInfoAsync();
        Assert.Equal((true, false, 1L), (info.Ready, info.Fenced, info.Epoch));
    }
}
