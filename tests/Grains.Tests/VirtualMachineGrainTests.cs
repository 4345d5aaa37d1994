using System.Collections.Immutable;
using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class VirtualMachineGrainTests(ClusterFixture cluster)
{
    private static VmSpec SpecFor(string node, RunStrategy strategy = RunStrategy.Always) => new()
    {
        RunStrategy = strategy,
        NodeSelector = ImmutableDictionary<string, string>.Empty.Add("suite", node),
        Labels = ImmutableDictionary<string, string>.Empty.Add("app", "web"),
    };

    private static VmId NewId(string prefix) => new("grains", $"{prefix}-{Guid.NewGuid():N}"[..30]);

    private static string NewNode(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private async Task<(VmId Id, FakeAgent Agent, VmDesired Desired)> RunningVmAsync(string prefix, RunStrategy strategy = RunStrategy.Always)
    {
        var agent = await cluster.StartAgentAsync(NewNode(prefix));
        var id = NewId(prefix);
        Assert.Equal(VmResultCode.Ok, (await cluster.Vm(id).CreateAsync(SpecFor(agent.Node, strategy))).Code);
        if (strategy == RunStrategy.Manual)
        {
            Assert.Equal(VmResultCode.Ok, (await cluster.Vm(id).StartAsync()).Code);
        }
        var desired = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running, "a run to start");
        await agent.ReportAsync(desired, DomainState.Running);
        await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.Running, "Running");
        return (id, agent, desired);
    }

    [Fact]
    public async Task CreateReachesTheNodeStreamWithTheWholeDesiredStateAndRisingSequence()
    {
        await using var agent = await cluster.StartAgentAsync(NewNode("create"));
        var id = NewId("create");
        var spec = SpecFor(agent.Node);

        var created = await cluster.Vm(id).CreateAsync(spec);

        Assert.Equal(VmResultCode.Ok, created.Code);
        var first = await agent.WaitForDesiredAsync(id, d => d.Generation == 1, "generation 1");
        Assert.Equal((created.Vm!.Uid, DesiredPower.Running, agent.Node, 1L), (first.Uid, first.Power, first.Node, first.Epoch));
        Assert.True(first.Spec.SameMachineAs(spec), "the desired state carries the whole spec");
        Assert.NotEmpty(first.InstanceId);

        var bigger = spec with { MemoryBytes = 256L << 20 };
        Assert.Equal(VmResultCode.Ok, (await cluster.Vm(id).UpdateAsync(bigger, expectedGeneration: 1)).Code);

        var second = await agent.WaitForDesiredAsync(id, d => d.Generation == 2, "generation 2");
        Assert.Equal(256L << 20, second.Spec.MemoryBytes);
        Assert.True(second.Sequence > first.Sequence, $"sequence {second.Sequence} should rise above {first.Sequence}");
        Assert.Equal(second.Sequence, (await cluster.Vm(id).GetDesiredAsync())!.Sequence);
        Assert.Contains(await cluster.Client.GetGrain<INodeGrain>(agent.Node).GetAssignmentsAsync(),
            d => d.Id == id && d.Sequence == second.Sequence && d.InstanceId == second.InstanceId);
    }

    [Fact]
    public async Task ARunningReportMakesTheStatusRunningWithReady()
    {
        var (id, agent, desired) = await RunningVmAsync("ready");
        await using var _ = agent;

        var vm = (await cluster.Vm(id).GetAsync()).Vm!;

        Assert.Equal((VmPhase.Running, ConditionStatus.True, desired.InstanceId, agent.Node, 1L),
            (vm.Status.Phase, vm.Status.Condition(ConditionTypes.Ready)?.Status, vm.Status.InstanceId, vm.Status.Node, vm.Status.ObservedGeneration));
        await cluster.WaitForEventAsync(id, e => e.Vm.Status.PrintableStatus == PrintableStatus.Running, "a Running event");
    }

    [Fact]
    public async Task ACrashUnderAlwaysRestartsWithANewInstanceAfterAGrowingBackoff()
    {
        var (id, agent, first) = await RunningVmAsync("crash");
        await using var _ = agent;

        await agent.ReportAsync(first, DomainState.Crashed, "Crashed", "qemu exited with signal 9");
        var second = await agent.WaitForDesiredAsync(id, d => d.InstanceId != first.InstanceId && d.Power == DesiredPower.Running, "a new run after the first crash");
        var afterFirst = await Eventually.VmAsync(cluster, id, vm => vm.Status.InstanceId == second.InstanceId, "the second run");
        await agent.ReportAsync(second, DomainState.Crashed, "Crashed", "qemu exited again");
        var third = await agent.WaitForDesiredAsync(id, d => d.InstanceId != first.InstanceId && d.InstanceId != second.InstanceId && d.Power == DesiredPower.Running, "a new run after the second crash");
        var afterSecond = await Eventually.VmAsync(cluster, id, vm => vm.Status.InstanceId == third.InstanceId, "the third run");

        await cluster.WaitForEventAsync(id, e => e.Vm.Status.InstanceId == third.InstanceId, "an event of the third run");
        var failures = cluster.Events.Where(e => e.Vm.Id == id && e.Vm.Status.PrintableStatus == PrintableStatus.CrashLoopBackOff)
            .Select(e => e.Vm.Status.StartFailure!).DistinctBy(f => f.ConsecutiveFailures).ToList();
        Assert.Equal([1, 2], failures.Select(f => f.ConsecutiveFailures));
        Assert.Equal([ClusterFixture.BackoffBase, ClusterFixture.BackoffBase * 2], failures.Select(f => f.RetryAfter - f.LastFailureAt));
        Assert.Equal((1, 2), (afterFirst.Status.RestartCount, afterSecond.Status.RestartCount));
        Assert.Equal(("Crashed", "qemu exited again"), (afterSecond.Status.Condition(ConditionTypes.Failure)?.Reason, afterSecond.Status.Condition(ConditionTypes.Failure)?.Message));
    }

    [Fact]
    public async Task ACleanGuestShutdownUnderRerunOnFailureStaysStopped()
    {
        var (id, agent, desired) = await RunningVmAsync("rerun", RunStrategy.RerunOnFailure);
        await using var _ = agent;

        var ack = await agent.ReportAsync(desired, DomainState.Shutoff, "GuestShutdown");

        Assert.True(ack.Accepted);
        Assert.Equal((DesiredPower.Stopped, desired.InstanceId), (ack.Desired!.Power, ack.Desired.InstanceId));
        var vm = await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.Stopped, "Stopped");
        Assert.Equal((VmPhase.Succeeded, 0), (vm.Status.Phase, vm.Status.RestartCount));
    }

    [Fact]
    public async Task ASpecChangeOnARunningVmBumpsGenerationAndSetsRestartRequiredUntilARestart()
    {
        var (id, agent, first) = await RunningVmAsync("hwchange");
        await using var _ = agent;
        var spec = (await cluster.Vm(id).GetAsync()).Vm!.Spec;

        var updated = await cluster.Vm(id).UpdateAsync(spec with { Cpu = new CpuTopology { Cores = 2 } }, expectedGeneration: 1);

        Assert.Equal((VmResultCode.Ok, 2L), (updated.Code, updated.Vm!.Generation));
        Assert.Equal(("HardwareChanged", ConditionStatus.True), (updated.Vm.Status.Condition(ConditionTypes.RestartRequired)?.Reason, updated.Vm.Status.Condition(ConditionTypes.RestartRequired)?.Status));

        var restarted = await cluster.Vm(id).RestartAsync();

        Assert.Equal(VmResultCode.Ok, restarted.Code);
        var second = await agent.WaitForDesiredAsync(id, d => d.InstanceId != first.InstanceId, "a new run after restart");
        Assert.Equal(2, second.Spec.Cpu.Vcpus);
        await agent.ReportAsync(second, DomainState.Running);
        var vm = await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.Running && vm.Status.InstanceId == second.InstanceId, "Running the new run");
        Assert.Null(vm.Status.Condition(ConditionTypes.RestartRequired));
        Assert.Equal(1, vm.Status.RestartCount);
        Assert.Equal(2, (await cluster.Client.GetGrain<INodeGrain>(agent.Node).GetInfoAsync()).Allocated.Vcpus);
    }

    [Fact]
    public async Task LabelOnlyChangesKeepTheGenerationAndStaleGenerationsConflict()
    {
        await using var agent = await cluster.StartAgentAsync(NewNode("labels"));
        var id = NewId("labels");
        var spec = SpecFor(agent.Node, RunStrategy.Halted);
        await cluster.Vm(id).CreateAsync(spec);

        var relabelled = await cluster.Vm(id).UpdateAsync(spec with { Labels = spec.Labels.SetItem("app", "db") }, expectedGeneration: 1);
        var stale = await cluster.Vm(id).UpdateAsync(spec with { MemoryBytes = 512L << 20 }, expectedGeneration: 7);

        Assert.Equal((VmResultCode.Ok, 1L, "db"), (relabelled.Code, relabelled.Vm!.Generation, relabelled.Vm.Spec.Labels["app"]));
        Assert.Equal(VmResultCode.Conflict, stale.Code);
        Assert.Contains("generation 1, not the expected 7", stale.Message);
        var page = await cluster.Client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex).ListAsync(new VmListQuery { Namespace = id.Namespace, LabelSelector = "app=db" });
        Assert.Contains(id, page.Items);
    }

    [Fact]
    public async Task AnInvalidSpecIsRefusedAndNothingIsStored()
    {
        var id = NewId("invalid");

        var result = await cluster.Vm(id).CreateAsync(new VmSpec { MemoryBytes = 1024 });

        Assert.Equal(VmResultCode.Invalid, result.Code);
        Assert.Contains(result.Violations, v => v.Field == "spec.memory");
        Assert.Equal(VmResultCode.NotFound, (await cluster.Vm(id).GetAsync()).Code);
        Assert.Null(await cluster.Vm(id).GetDesiredAsync());
    }

    [Fact]
    public async Task StopStartRestartPauseAndUnpauseFollowTheRunStrategy()
    {
        var (id, agent, first) = await RunningVmAsync("power");
        await using var _ = agent;
        var vm = cluster.Vm(id);

        var refusedStart = await vm.StartAsync();
        Assert.Equal((VmResultCode.Refused, "VM is already running"), (refusedStart.Code, refusedStart.Message));

        var paused = await vm.PauseAsync();
        Assert.Equal(VmResultCode.Ok, paused.Code);
        var pauseDesired = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Paused, "power Paused");
        await agent.ReportAsync(pauseDesired, DomainState.Paused);
        var shown = await Eventually.VmAsync(cluster, id, v => v.Status.PrintableStatus == PrintableStatus.Paused, "Paused");
        Assert.Equal(ConditionStatus.True, shown.Status.Condition(ConditionTypes.Paused)?.Status);

        Assert.Equal(VmResultCode.Ok, (await vm.UnpauseAsync()).Code);
        var resumed = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running && d.Sequence > pauseDesired.Sequence, "power Running again");
        await agent.ReportAsync(resumed, DomainState.Running);
        await Eventually.VmAsync(cluster, id, v => v.Status.PrintableStatus == PrintableStatus.Running, "Running after unpause");
        Assert.Equal(VmResultCode.Refused, (await vm.UnpauseAsync()).Code);

        var stopped = await vm.StopAsync(new StopOptions { GracePeriodSeconds = 5 });
        Assert.Equal((VmResultCode.Ok, RunStrategy.Halted, 2L), (stopped.Code, stopped.Vm!.Spec.RunStrategy, stopped.Vm.Generation));
        var stopDesired = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Stopped, "power Stopped");
        Assert.Equal((first.InstanceId, 5), (stopDesired.InstanceId, stopDesired.StopGracePeriodSeconds));
        Assert.Equal(PrintableStatus.Stopping, (await vm.GetAsync()).Vm!.Status.PrintableStatus);
        await agent.ReportAsync(stopDesired, DomainState.Shutoff, "Stopped");
        await Eventually.VmAsync(cluster, id, v => v.Status.PrintableStatus == PrintableStatus.Stopped, "Stopped");
        Assert.Equal((VmResultCode.Refused, "Halted does not support manual restart requests"), Pick(await vm.RestartAsync()));
        Assert.Equal(VmResultCode.Refused, (await vm.PauseAsync()).Code);

        var started = await vm.StartAsync();
        Assert.Equal((VmResultCode.Ok, RunStrategy.Always, 3L), (started.Code, started.Vm!.Spec.RunStrategy, started.Vm.Generation));
        var second = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running && d.InstanceId != first.InstanceId, "a new run after start");
        await agent.ReportAsync(second, DomainState.Running);
        await Eventually.VmAsync(cluster, id, v => v.Status.PrintableStatus == PrintableStatus.Running && v.Status.InstanceId == second.InstanceId, "Running the second run");

        Assert.Equal(VmResultCode.Ok, (await vm.RestartAsync()).Code);
        var third = await agent.WaitForDesiredAsync(id, d => d.InstanceId != first.InstanceId && d.InstanceId != second.InstanceId, "a new run after restart");
        var afterRestart = (await vm.GetAsync()).Vm!;
        Assert.Equal((third.InstanceId, 2, PrintableStatus.Starting), (afterRestart.Status.InstanceId, afterRestart.Status.RestartCount, afterRestart.Status.PrintableStatus));
    }

    [Fact]
    public async Task ManualRunsOnlyWhenStartedAndStopsOnRequest()
    {
        await using var agent = await cluster.StartAgentAsync(NewNode("manual"));
        var id = NewId("manual");
        var created = await cluster.Vm(id).CreateAsync(SpecFor(agent.Node, RunStrategy.Manual));
        Assert.Equal((PrintableStatus.Stopped, ""), (created.Vm!.Status.PrintableStatus, created.Vm.Status.InstanceId));
        Assert.Equal((VmResultCode.Refused, VmRequestRules.NotRunning), Pick(await cluster.Vm(id).StopAsync(new StopOptions())));

        Assert.Equal(VmResultCode.Ok, (await cluster.Vm(id).StartAsync()).Code);
        Assert.Equal((VmResultCode.Refused, VmRequestRules.AlreadyRunning), Pick(await cluster.Vm(id).StartAsync()));
        var run = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running, "a run after start");
        await agent.ReportAsync(run, DomainState.Running);
        await Eventually.VmAsync(cluster, id, v => v.Status.PrintableStatus == PrintableStatus.Running, "Running");

        var stop = await cluster.Vm(id).StopAsync(new StopOptions { Force = true });
        Assert.Equal((VmResultCode.Ok, RunStrategy.Manual, 1L), (stop.Code, stop.Vm!.Spec.RunStrategy, stop.Vm.Generation));
        var stopDesired = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Stopped, "power Stopped");
        Assert.True(stopDesired.ForceStop);
        await agent.ReportAsync(stopDesired, DomainState.Shutoff, "Destroyed");
        var vm = await Eventually.VmAsync(cluster, id, v => v.Status.PrintableStatus == PrintableStatus.Stopped, "Stopped");
        Assert.Single(agent.Received.Where(d => d.Id == id).Select(d => d.InstanceId).Distinct());
        Assert.Equal(VmPhase.Succeeded, vm.Status.Phase);
    }

    [Fact]
    public async Task ReportsForAnotherRunUidNodeOrOlderEpochAreIgnored()
    {
        var (id, agent, desired) = await RunningVmAsync("stale");
        await using var _ = agent;

        var otherRun = await agent.ReportAsync(desired with { InstanceId = "old-run" }, DomainState.Crashed);
        var otherUid = await agent.ReportAsync(desired with { Uid = "someone-else" }, DomainState.Crashed);
        var olderEpoch = await agent.ReportAsync(desired with { Epoch = 0 }, DomainState.Crashed);

        Assert.All([otherRun, otherUid, olderEpoch], ack => Assert.False(ack.Accepted));
        Assert.Contains("instance old-run", otherRun.Reason);
        Assert.Equal(desired.InstanceId, otherRun.Desired!.InstanceId);
        Assert.Equal(PrintableStatus.Running, (await cluster.Vm(id).GetAsync()).Vm!.Status.PrintableStatus);
    }

    [Fact]
    public async Task DeleteRemovesTheVmAndItsIndexEntryAfterTheAgentReportsAbsent()
    {
        var (id, agent, desired) = await RunningVmAsync("delete");
        await using var _ = agent;
        var node = cluster.Client.GetGrain<INodeGrain>(agent.Node);
        Assert.Equal(1, (await node.GetInfoAsync()).VmCount);

        var deleting = await cluster.Vm(id).DeleteAsync();

        Assert.Equal((VmResultCode.Ok, PrintableStatus.Terminating), (deleting.Code, deleting.Vm!.Status.PrintableStatus));
        var absent = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Absent, "power Absent");
        Assert.Equal(VmResultCode.Refused, (await cluster.Vm(id).StartAsync()).Code);
        Assert.Equal(VmResultCode.Ok, (await cluster.Vm(id).GetAsync()).Code);

        var ack = await agent.ReportAsync(absent, DomainState.Absent);

        Assert.True(ack.Accepted);
        Assert.Null(ack.Desired);
        Assert.Equal(VmResultCode.NotFound, (await cluster.Vm(id).GetAsync()).Code);
        Assert.Null(await cluster.Vm(id).GetDesiredAsync());
        Assert.Equal((0, 0L), ((await node.GetInfoAsync()).VmCount, (await node.GetInfoAsync()).Allocated.MemoryBytes));
        Assert.DoesNotContain(id, (await cluster.Client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex).ListAsync(new VmListQuery { Namespace = id.Namespace })).Items);
        await cluster.WaitForEventAsync(id, e => e.Type == VmEventType.Deleted, "a Deleted event");

        var again = await cluster.Vm(id).CreateAsync(SpecFor(agent.Node, RunStrategy.Halted));
        Assert.Equal(VmResultCode.Ok, again.Code);
        Assert.NotEqual(desired.Uid, again.Vm!.Uid);
    }

    [Fact]
    public async Task ManyVmsOfANodeDeletedAtOnceAreAllRemovedWithEveryReservationReleased()
    {
        await using var agent = await cluster.StartAgentAsync(NewNode("bulk-del"), vcpus: 64);
        var node = cluster.Client.GetGrain<INodeGrain>(agent.Node);
        var ids = Enumerable.Range(0, 24).Select(_ => NewId("bulk-del")).ToList();
        await Task.WhenAll(ids.Select(id => cluster.Vm(id).CreateAsync(SpecFor(agent.Node))));
        var running = await Task.WhenAll(ids.Select(id => agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running, "a run to start")));
        await Task.WhenAll(running.Select(d => agent.ReportAsync(d, DomainState.Running)));
        Assert.Equal(ids.Count, (await node.GetInfoAsync()).VmCount);

        var deleting = await Task.WhenAll(ids.Select(id => cluster.Vm(id).DeleteAsync()));
        Assert.All(deleting, r => Assert.Equal((VmResultCode.Ok, PrintableStatus.Terminating), (r.Code, r.Vm!.Status.PrintableStatus)));
        var absent = await Task.WhenAll(ids.Select(id => agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Absent, "power Absent")));
        var acks = await Task.WhenAll(absent.Select(d => agent.ReportAsync(d, DomainState.Absent)));

        Assert.All(acks, ack => Assert.True(ack.Accepted && ack.Desired is null, $"ack accepted {ack.Accepted}, desired {ack.Desired?.Power}"));
        Assert.All(await Task.WhenAll(ids.Select(id => cluster.Vm(id).GetAsync())), r => Assert.Equal(VmResultCode.NotFound, r.Code));
        var info = await node.GetInfoAsync();
        Assert.Equal((0, 0, 0L), (info.VmCount, info.Allocated.Vcpus, info.Allocated.MemoryBytes));
        Assert.Empty(await node.GetAssignmentsAsync());
        var listed = await cluster.Client.GetGrain<INodeDirectoryGrain>(GrainKeys.NodeDirectory).ListAsync();
        Assert.Equal(0, listed.Single(n => n.Name == agent.Node).VmCount);
        var indexed = (await cluster.Client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex).ListAsync(new VmListQuery { Namespace = "grains" })).Items;
        Assert.Empty(indexed.Intersect(ids));
        foreach (var id in ids)
        {
            await cluster.WaitForEventAsync(id, e => e.Type == VmEventType.Deleted, "a Deleted event");
        }
    }

    [Fact]
    public async Task ALostNodeLeavesAManualVmStoppedWithNodeUnresponsiveAndReleasesItsReservation()
    {
        var (id, agent, desired) = await RunningVmAsync("lost", RunStrategy.Manual);
        await using var _ = agent;
        var node = cluster.Client.GetGrain<INodeGrain>(agent.Node);

        await cluster.Vm(id).NodeLostAsync(agent.Node, desired.Epoch, "fenced by test");

        var vm = (await cluster.Vm(id).GetAsync()).Vm!;
        Assert.Equal((PrintableStatus.Stopped, VmPhase.Failed, null), (vm.Status.PrintableStatus, vm.Status.Phase, vm.Status.Node));
        Assert.Equal("NodeUnresponsive", vm.Status.Condition(ConditionTypes.Failure)?.Reason);
        Assert.Equal(0, (await node.GetInfoAsync()).VmCount);
        var late = await agent.ReportAsync(desired, DomainState.Running);
        Assert.False(late.Accepted);
    }

    [Fact]
    public async Task ALostNodeEndsARunThatWasBeingStoppedAsStoppedWithoutAFailure()
    {
        var (id, agent, desired) = await RunningVmAsync("lost-stop");
        await using var _ = agent;
        Assert.Equal(VmResultCode.Ok, (await cluster.Vm(id).StopAsync(new StopOptions())).Code);

        await cluster.Vm(id).NodeLostAsync(agent.Node, desired.Epoch, "fenced by test");

        var vm = (await cluster.Vm(id).GetAsync()).Vm!;
        Assert.Equal((PrintableStatus.Stopped, VmPhase.Succeeded, null, 0), (vm.Status.PrintableStatus, vm.Status.Phase, vm.Status.Node, vm.Status.RestartCount));
        Assert.Null(vm.Status.Condition(ConditionTypes.Failure));
        await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Absent && d.InstanceId == desired.InstanceId, "removal of the run on the lost node");
    }

    [Fact]
    public async Task AVmBeingDeletedWhoseNodeIsLostIsRemovedAndTheLostNodeToldToRemoveIt()
    {
        var (id, agent, desired) = await RunningVmAsync("lost-del");
        await using var _ = agent;
        await cluster.Vm(id).DeleteAsync();
        var asked = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Absent, "removal asked by the delete");

        await cluster.Vm(id).NodeLostAsync(agent.Node, desired.Epoch, "fenced by test");

        Assert.Equal(VmResultCode.NotFound, (await cluster.Vm(id).GetAsync()).Code);
        var removal = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Absent && d.Sequence > asked.Sequence, "removal sent again when the VM went");
        Assert.Equal((agent.Node, desired.InstanceId), (removal.Node, removal.InstanceId));
        Assert.Equal(0, (await cluster.Client.GetGrain<INodeGrain>(agent.Node).GetInfoAsync()).VmCount);
    }

    [Fact]
    public async Task ANodeLostMessageFromAnEpochBeforeTheAssignmentChangesNothing()
    {
        var (id, agent, desired) = await RunningVmAsync("lost-old");
        await using var _ = agent;

        await cluster.Vm(id).NodeLostAsync(agent.Node, desired.Epoch - 1, "an old fence");
        await cluster.Vm(id).NodeLostAsync("some-other-node", desired.Epoch, "another node's fence");

        var vm = (await cluster.Vm(id).GetAsync()).Vm!;
        Assert.Equal((PrintableStatus.Running, agent.Node, desired.InstanceId), (vm.Status.PrintableStatus, vm.Status.Node, vm.Status.InstanceId));
        Assert.Equal(1, (await cluster.Client.GetGrain<INodeGrain>(agent.Node).GetInfoAsync()).VmCount);
    }

    [Fact]
    public async Task ACrashUnderManualLeavesTheVmStoppedWithTheFailureReason()
    {
        var (id, agent, desired) = await RunningVmAsync("mcrash", RunStrategy.Manual);
        await using var _ = agent;

        var ack = await agent.ReportAsync(desired, DomainState.Crashed, "StartFailed", "qemu: could not open disk");

        Assert.Equal((DesiredPower.Stopped, desired.InstanceId), (ack.Desired!.Power, ack.Desired.InstanceId));
        var vm = (await cluster.Vm(id).GetAsync()).Vm!;
        Assert.Equal((PrintableStatus.Stopped, VmPhase.Failed), (vm.Status.PrintableStatus, vm.Status.Phase));
        Assert.Equal(("StartFailed", "qemu: could not open disk"), (vm.Status.Condition(ConditionTypes.Failure)?.Reason, vm.Status.Condition(ConditionTypes.Failure)?.Message));
        Assert.Equal(1, vm.Status.StartFailure?.ConsecutiveFailures);
    }

    [Fact]
    public async Task ACleanGuestShutdownUnderAlwaysStartsANewRunWithoutBackoff()
    {
        var (id, agent, first) = await RunningVmAsync("gshut");
        await using var _ = agent;

        await agent.ReportAsync(first, DomainState.Shutoff, "GuestShutdown");

        var second = await agent.WaitForDesiredAsync(id, d => d.InstanceId != first.InstanceId && d.Power == DesiredPower.Running, "a new run");
        var vm = (await cluster.Vm(id).GetAsync()).Vm!;
        Assert.Equal((second.InstanceId, 1, PrintableStatus.Starting), (vm.Status.InstanceId, vm.Status.RestartCount, vm.Status.PrintableStatus));
        Assert.Null(vm.Status.StartFailure);
    }

    [Fact]
    public async Task ARestartedAgentKeepsTheEpochAndFindsItsAssignments()
    {
        var (id, agent, desired) = await RunningVmAsync("reagent");
        await using var _ = agent;
        var node = cluster.Client.GetGrain<INodeGrain>(agent.Node);
        var before = await node.GetInfoAsync();

        var after = await node.RegisterAsync(new NodeRegistration
        {
            Name = agent.Node,
            Allocatable = before.Allocatable,
            Labels = before.Labels,
            AgentInstanceId = Guid.NewGuid().ToString(),
        });
        var assignments = await node.GetAssignmentsAsync();

        Assert.Equal((before.Epoch, 1), (after.Epoch, after.VmCount));
        var only = Assert.Single(assignments);
        Assert.Equal((id, desired.InstanceId, DesiredPower.Running), (only.Id, only.InstanceId, only.Power));
        var wrongNode = await Assert.ThrowsAsync<ArgumentException>(() => node.RegisterAsync(new NodeRegistration { Name = "other", AgentInstanceId = "x" }));
        Assert.Contains("register with the node's own name", wrongNode.Message);
    }

    [Fact]
    public async Task GetStateShowsDesiredAndObservedSideBySide()
    {
        var (id, agent, desired) = await RunningVmAsync("view");
        await using var _ = agent;

        var view = await cluster.Vm(id).GetStateAsync();

        Assert.Equal((desired.InstanceId, desired.InstanceId, PrintableStatus.Running), (view.Desired!.InstanceId, view.LastObserved!.InstanceId, view.Vm!.Status.PrintableStatus));
        Assert.Equal(DomainState.Running, view.LastObserved.State);
    }

    [Fact]
    public async Task ARestartAfterANodeSelectorChangeMovesTheRunAndTellsTheOldNodeToRemoveIt()
    {
        var (id, oldAgent, first) = await RunningVmAsync("move");
        await using var _ = oldAgent;
        await using var newAgent = await cluster.StartAgentAsync(NewNode("move-to"));
        var spec = (await cluster.Vm(id).GetAsync()).Vm!.Spec;
        await cluster.Vm(id).UpdateAsync(spec with { NodeSelector = spec.NodeSelector.SetItem("suite", newAgent.Node) }, expectedGeneration: 1);

        await cluster.Vm(id).RestartAsync();

        var moved = await newAgent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running, "the new run on the new node");
        var removal = await oldAgent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Absent, "removal of the old run from the old node");
        Assert.Equal((first.InstanceId, oldAgent.Node), (removal.InstanceId, removal.Node));
        Assert.NotEqual(first.InstanceId, moved.InstanceId);
        Assert.Equal(0, (await cluster.Client.GetGrain<INodeGrain>(oldAgent.Node).GetInfoAsync()).VmCount);
    }

    [Fact]
    public async Task DeletingAVmThatNeverGotANodeRemovesItAtOnce()
    {
        var id = NewId("nodeless");
        await cluster.Vm(id).CreateAsync(SpecFor(NewNode("nowhere")));
        await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.ErrorUnschedulable, "ErrorUnschedulable");

        var deleted = await cluster.Vm(id).DeleteAsync();

        Assert.Equal((VmResultCode.Ok, "deleted"), Pick(deleted));
        Assert.Equal(VmResultCode.NotFound, (await cluster.Vm(id).GetAsync()).Code);
    }

    [Fact]
    public async Task AStopWithANegativeGracePeriodIsInvalidAndChangesNothing()
    {
        var (id, agent, _) = await RunningVmAsync("grace");
        await using var __ = agent;

        var result = await cluster.Vm(id).StopAsync(new StopOptions { GracePeriodSeconds = -1 });

        Assert.Equal(VmResultCode.Invalid, result.Code);
        Assert.Equal("gracePeriodSeconds", Assert.Single(result.Violations).Field);
        var vm = (await cluster.Vm(id).GetAsync()).Vm!;
        Assert.Equal((RunStrategy.Always, PrintableStatus.Running), (vm.Spec.RunStrategy, vm.Status.PrintableStatus));
    }

    private static (VmResultCode, string) Pick(VmResult r) => (r.Code, r.Message);
}
