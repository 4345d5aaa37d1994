using System.Collections.Immutable;
using Orleans.Core.Internal;
using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

[Collection(FencingClusterCollection.Name)]
public sealed class FencingTests(FencingClusterFixture cluster)
{
    private static readonly RunStrategy[] FailOver = [RunStrategy.Always, RunStrategy.RerunOnFailure];
    private static readonly RunStrategy[] MarkedFailed = [RunStrategy.Manual, RunStrategy.Once];

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private static VmSpec SpecFor(ImmutableDictionary<string, string> selector, RunStrategy strategy) => new()
    {
        RunStrategy = strategy,
        NodeSelector = selector,
    };

    private async Task<FakeAgent> StartHeartbeatingAgentAsync(string group, string node)
    {
        var agent = await FakeAgent.StartAsync(cluster.Client, node, new NodeResources { Vcpus = 16, MemoryBytes = 16L << 30 },
            ImmutableDictionary<string, string>.Empty.Add("suite", group).Add("node", node));
        agent.StartHeartbeating(FencingClusterFixture.HeartbeatPeriod);
        return agent;
    }

    private static async Task<NodeInfo> NodeAsync(INodeGrain node, Func<NodeInfo, bool> done, string expectation) =>
        await Eventually.UntilAsync(node.GetInfoAsync, done, expectation,
            n => $"Ready={n.Ready} Fenced={n.Fenced} reason={n.Reason} epoch={n.Epoch} vms={n.VmCount} lastHeartbeat={n.LastHeartbeat:O}");

    /// <summary>Confirms as the agent does: again after a while as long as the node's VMs are still being failed over.</summary>
    private static Task<NodeInfo> ConfirmUntilUnfencedAsync(FakeAgent agent, long epoch) =>
        Eventually.UntilAsync(() => agent.ConfirmFencedCleanupAsync(epoch), n => !n.Fenced,
            $"node {agent.Node} unfenced by the cleanup confirmation at epoch {epoch}",
            n => $"Ready={n.Ready} Fenced={n.Fenced} reason={n.Reason} epoch={n.Epoch}");

    [Fact]
    public async Task AFrozenAgentsNodeIsFencedItsVmsFailOverByRunStrategyAndItIsReadmittedOnlyAfterCleanup()
    {
        var group = NewName("fence");
        var selector = ImmutableDictionary<string, string>.Empty.Add("suite", group);
        await using var a = await StartHeartbeatingAgentAsync(group, NewName("node-a"));
        var nodeA = cluster.Client.GetGrain<INodeGrain>(a.Node);

        // Two Always VMs, one of every other strategy that runs, all running on a.
        RunStrategy[] strategies = [RunStrategy.Always, RunStrategy.Always, RunStrategy.RerunOnFailure, RunStrategy.Manual, RunStrategy.Once];
        var vms = strategies.Select((s, i) => (Id: new VmId("fencing", NewName($"{s.ToString().ToLowerInvariant()}{i}")), Strategy: s)).ToList();
        var runsOnA = new Dictionary<VmId, VmDesired>();
        foreach (var (id, strategy) in vms)
        {
            Assert.Equal(VmResultCode.Ok, (await cluster.Vm(id).CreateAsync(SpecFor(selector, strategy))).Code);
            if (strategy == RunStrategy.Manual)
            {
                Assert.Equal(VmResultCode.Ok, (await cluster.Vm(id).StartAsync()).Code);
            }
            var run = await a.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running, "a run on node a");
            Assert.True((await a.ReportAsync(run, DomainState.Running)).Accepted);
            runsOnA[id] = run;
        }
        var before = await nodeA.GetInfoAsync();
        Assert.Equal((true, false, 1L, vms.Count), (before.Ready, before.Fenced, before.Epoch, before.VmCount));
        await using var b = await StartHeartbeatingAgentAsync(group, NewName("node-b"));
        var nodeB = cluster.Client.GetGrain<INodeGrain>(b.Node);

        // a's agent freezes (SIGSTOP): no more heartbeats.
        await a.StopHeartbeatingAsync();

        var notReady = await NodeAsync(nodeA, n => !n.Ready, $"node {a.Node} NotReady after {cluster.NodeHeartbeatTimeout} without heartbeats");
        Assert.Contains(notReady.Reason, new[] { NodeGrain.ReasonHeartbeatMissed, NodeGrain.ReasonFenced });
        var fenced = await NodeAsync(nodeA, n => n.Fenced, $"node {a.Node} fenced {cluster.FenceGracePeriod} after NotReady");
        Assert.Equal((false, NodeGrain.ReasonFenced, before.Epoch + 1, 0, 0L), (fenced.Ready, fenced.Reason, fenced.Epoch, fenced.VmCount, fenced.Allocated.MemoryBytes));
        var listed = (await cluster.Client.GetGrain<INodeDirectoryGrain>(GrainKeys.NodeDirectory).ListAsync()).Single(n => n.Name == a.Node);
        Assert.Equal((true, false), (listed.Fenced, listed.Ready));

        // Always and RerunOnFailure: a new run on b; a's stream is told to remove the old run.
        var bEpoch = (await nodeB.GetInfoAsync()).Epoch;
        var runsOnB = new Dictionary<VmId, VmDesired>();
        foreach (var (id, _) in vms.Where(v => FailOver.Contains(v.Strategy)))
        {
            var moved = await b.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running, "the run failed over to node b");
            Assert.NotEqual(runsOnA[id].InstanceId, moved.InstanceId);
            Assert.Equal((b.Node, bEpoch), (moved.Node, moved.Epoch));
            var removal = await a.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Absent, "removal of the old run on node a's stream");
            Assert.Equal((runsOnA[id].InstanceId, a.Node), (removal.InstanceId, removal.Node));
            Assert.True((await b.ReportAsync(moved, DomainState.Running)).Accepted);
            var running = await Eventually.VmAsync(cluster, id,
                vm => vm.Status.PrintableStatus == PrintableStatus.Running && vm.Status.InstanceId == moved.InstanceId, "Running on node b");
            Assert.Equal((b.Node, 1), (running.Status.Node, running.Status.RestartCount));
            runsOnB[id] = moved;
        }

        // Manual and Once: failed with NodeUnresponsive, on no node.
        foreach (var (id, _) in vms.Where(v => MarkedFailed.Contains(v.Strategy)))
        {
            var failed = await Eventually.VmAsync(cluster, id,
                vm => vm.Status.Condition(ConditionTypes.Failure)?.Reason == VirtualMachineGrain.ReasonNodeUnresponsive, "Failure NodeUnresponsive");
            Assert.Equal((PrintableStatus.Stopped, VmPhase.Failed, null, runsOnA[id].InstanceId),
                (failed.Status.PrintableStatus, failed.Status.Phase, failed.Status.Node, failed.Status.InstanceId));
            Assert.StartsWith($"node {a.Node} stopped responding (Fenced)", failed.Status.Condition(ConditionTypes.Failure)!.Message);
            await a.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Absent && d.InstanceId == runsOnA[id].InstanceId, "removal of the failed run on node a's stream");
        }

        // The agent wakes up (SIGCONT). Its reports of the old runs are refused with nothing to make true.
        foreach (var (id, run) in runsOnA)
        {
            var ack = await a.ReportAsync(run, DomainState.Running);
            Assert.False(ack.Accepted, $"a report of {id} from the fenced node was accepted");
            Assert.Null(ack.Desired);
            Assert.Contains($"report from node {a.Node}", ack.Reason);
        }
        foreach (var (id, run) in runsOnB)
        {
            var vm = (await cluster.Vm(id).GetAsync()).Vm!;
            Assert.Equal((PrintableStatus.Running, run.InstanceId, b.Node), (vm.Status.PrintableStatus, vm.Status.InstanceId, vm.Status.Node));
        }
        var back = await a.HeartbeatAsync();
        Assert.Equal((true, false, NodeGrain.ReasonFenced, fenced.Epoch), (back.Fenced, back.Ready, back.Reason, back.Epoch));
        var registeredAgain = await a.RegisterAgainAsync(back);
        Assert.Equal((true, false, fenced.Epoch), (registeredAgain.Fenced, registeredAgain.Ready, registeredAgain.Epoch));
        Assert.Empty(await nodeA.GetAssignmentsAsync());

        // While fenced it takes nothing: the scheduler places a new VM on b, and a refuses a reservation.
        var whileFenced = new VmId("fencing", NewName("while-fenced"));
        await cluster.Vm(whileFenced).CreateAsync(SpecFor(selector, RunStrategy.Always));
        var placedOnB = await Eventually.VmAsync(cluster, whileFenced, vm => vm.Status.Node is not null, "placed on a node");
        Assert.Equal(b.Node, placedOnB.Status.Node);
        var refused = await nodeA.TryReserveAsync(new VmId("fencing", "probe"), new NodeResources { Vcpus = 1, MemoryBytes = 1 << 20 }, selector);
        Assert.False(refused.Reserved);
        Assert.Contains("fenced", refused.Reason);

        // It confirms with the fence epoch once it destroyed everything: Ready again, under a new epoch.
        var wrongEpoch = await Assert.ThrowsAsync<ArgumentException>(() => a.ConfirmFencedCleanupAsync(before.Epoch));
        Assert.Contains("confirm with the Epoch of the latest NodeInfo", wrongEpoch.Message);
        var confirmed = await ConfirmUntilUnfencedAsync(a, back.Epoch);
        Assert.Equal((false, true, NodeGrain.ReasonAgentReady, back.Epoch + 1), (confirmed.Fenced, confirmed.Ready, confirmed.Reason, confirmed.Epoch));
        var repeated = await a.ConfirmFencedCleanupAsync(back.Epoch);
        Assert.Equal((false, true, confirmed.Epoch), (repeated.Fenced, repeated.Ready, repeated.Epoch));
        a.StartHeartbeating(FencingClusterFixture.HeartbeatPeriod);

        // Readmitted, it takes new VMs under the new epoch; a report carrying the fence epoch is harmless.
        var afterReturn = new VmId("fencing", NewName("after-return"));
        await cluster.Vm(afterReturn).CreateAsync(SpecFor(selector.Add("node", a.Node), RunStrategy.Always));
        var newRun = await a.WaitForDesiredAsync(afterReturn, d => d.Power == DesiredPower.Running, "a run on the readmitted node a");
        Assert.Equal(confirmed.Epoch, newRun.Epoch);
        var stale = await a.ReportAsync(newRun with { Epoch = back.Epoch }, DomainState.Crashed, "Crashed");
        Assert.False(stale.Accepted);
        Assert.Contains($"epoch {back.Epoch}, older than the assignment's epoch {confirmed.Epoch}", stale.Reason);
        Assert.Equal(newRun.InstanceId, stale.Desired!.InstanceId);
        Assert.True((await a.ReportAsync(newRun, DomainState.Running)).Accepted);
        var afterReturnVm = await Eventually.VmAsync(cluster, afterReturn, vm => vm.Status.PrintableStatus == PrintableStatus.Running, "Running on node a");
        Assert.Null(afterReturnVm.Status.StartFailure);

        // In the end every VM that should run is assigned to exactly one node, the failed ones to none.
        var assigned = (await nodeA.GetAssignmentsAsync()).Concat(await nodeB.GetAssignmentsAsync()).ToList();
        foreach (var (id, _) in vms.Where(v => FailOver.Contains(v.Strategy)))
        {
            Assert.Equal(b.Node, Assert.Single(assigned, d => d.Id == id).Node);
        }
        foreach (var (id, _) in vms.Where(v => MarkedFailed.Contains(v.Strategy)))
        {
            Assert.DoesNotContain(assigned, d => d.Id == id);
        }
        Assert.Equal(b.Node, Assert.Single(assigned, d => d.Id == whileFenced).Node);
        Assert.Equal(a.Node, Assert.Single(assigned, d => d.Id == afterReturn).Node);
        Assert.Equal((1, FailOver.Length + 2), ((await nodeA.GetInfoAsync()).VmCount, (await nodeB.GetInfoAsync()).VmCount));
    }

    [Fact]
    public async Task AFailedOverVmWaitsWhenNoOtherNodeIsReadyAndReturnsToItsNodeOnceCleanupIsConfirmed()
    {
        var group = NewName("alone");
        var selector = ImmutableDictionary<string, string>.Empty.Add("suite", group);
        await using var only = await StartHeartbeatingAgentAsync(group, NewName("only"));
        var node = cluster.Client.GetGrain<INodeGrain>(only.Node);
        var id = new VmId("fencing", NewName("lonely"));
        await cluster.Vm(id).CreateAsync(SpecFor(selector, RunStrategy.Always));
        var first = await only.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running, "the first run");
        await only.ReportAsync(first, DomainState.Running);

        await only.StopHeartbeatingAsync();

        var fenced = await NodeAsync(node, n => n.Fenced, $"node {only.Node} fenced");
        var waiting = await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.ErrorUnschedulable, "ErrorUnschedulable while its only node is fenced");
        Assert.Equal((null, VmPhase.Pending), (waiting.Status.Node, waiting.Status.Phase));
        Assert.NotEqual(first.InstanceId, waiting.Status.InstanceId);

        var back = await only.HeartbeatAsync();
        Assert.True(back.Fenced);
        var confirmed = await ConfirmUntilUnfencedAsync(only, fenced.Epoch);
        only.StartHeartbeating(FencingClusterFixture.HeartbeatPeriod);

        var second = await only.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running && d.InstanceId != first.InstanceId, "the new run back on the readmitted node");
        Assert.Equal((waiting.Status.InstanceId, confirmed.Epoch), (second.InstanceId, second.Epoch));
        await only.ReportAsync(second, DomainState.Running);
        var running = await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.Running, "Running again");
        Assert.Equal((only.Node, 1), (running.Status.Node, (await node.GetInfoAsync()).VmCount));
    }

    [Fact]
    public async Task ANodeWhoseGrainActivationWasLostIsStillFencedWhenItsAgentIsGone()
    {
        var group = NewName("lost-act");
        var selector = ImmutableDictionary<string, string>.Empty.Add("suite", group);
        await using var gone = await StartHeartbeatingAgentAsync(group, NewName("gone"));
        var id = new VmId("fencing", NewName("orphan"));
        await cluster.Vm(id).CreateAsync(SpecFor(selector, RunStrategy.Always));
        var first = await gone.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running, "the first run");
        await gone.ReportAsync(first, DomainState.Running);
        await using var other = await StartHeartbeatingAgentAsync(group, NewName("other"));

        // The agent dies and the node grain's activation goes with its silo: no timer of its own is left to notice.
        await gone.StopHeartbeatingAsync();
        await cluster.Client.GetGrain<INodeGrain>(gone.Node).AsReference<IGrainManagementExtension>().DeactivateOnIdle();

        // Only the directory is read: reading the node grain would activate it.
        var directory = cluster.Client.GetGrain<INodeDirectoryGrain>(GrainKeys.NodeDirectory);
        var fenced = await Eventually.UntilAsync(
            async () => (await directory.ListAsync()).Single(n => n.Name == gone.Node),
            n => n.Fenced,
            $"node {gone.Node} fenced although its grain was deactivated",
            n => $"Ready={n.Ready} Fenced={n.Fenced} reason={n.Reason} lastHeartbeat={n.LastHeartbeat:O}");
        Assert.Equal((NodeGrain.ReasonFenced, 0), (fenced.Reason, fenced.VmCount));
        var moved = await other.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running, "the run failed over to the other node");
        Assert.NotEqual(first.InstanceId, moved.InstanceId);
    }
}
