using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

public sealed class VmRequestRulesTests
{
    [Theory]
    [InlineData(RunStrategy.Always, false, VmPhase.None, "Always does not support manual start requests", null, false)]
    [InlineData(RunStrategy.Always, true, VmPhase.Running, "VM is already running", null, false)]
    [InlineData(RunStrategy.Once, false, VmPhase.None, "Once does not support manual start requests", null, false)]
    [InlineData(RunStrategy.Halted, false, VmPhase.Succeeded, null, RunStrategy.Always, false)]
    [InlineData(RunStrategy.Manual, false, VmPhase.None, null, null, true)]
    [InlineData(RunStrategy.Manual, false, VmPhase.Succeeded, null, null, true)]
    [InlineData(RunStrategy.Manual, true, VmPhase.Running, "VM is already running", null, false)]
    [InlineData(RunStrategy.RerunOnFailure, false, VmPhase.Succeeded, null, null, true)]
    [InlineData(RunStrategy.RerunOnFailure, false, VmPhase.Failed, "RerunOnFailure does not support starting VM from failed state", null, false)]
    public void StartFollowsKubeVirtPerRunStrategy(RunStrategy strategy, bool runActive, VmPhase phase, string? refusal, RunStrategy? switchesTo, bool addsStart)
    {
        var outcome = VmRequestRules.Start(strategy, runActive, phase, startPending: false, stopPending: false);

        AssertOutcome(outcome, refusal, switchesTo, addsStart ? [StateChangeAction.Start] : []);
    }

    [Theory]
    [InlineData(RunStrategy.Always, true, false, null, RunStrategy.Halted, false)]
    [InlineData(RunStrategy.Always, false, false, null, RunStrategy.Halted, false)]
    [InlineData(RunStrategy.Once, true, false, null, RunStrategy.Halted, false)]
    [InlineData(RunStrategy.Halted, false, false, "VM is not running", null, false)]
    [InlineData(RunStrategy.Halted, true, false, "Halted does not support manual stop requests", null, false)]
    [InlineData(RunStrategy.Halted, true, true, null, null, false)]
    [InlineData(RunStrategy.Manual, true, false, null, null, true)]
    [InlineData(RunStrategy.Manual, false, false, "VM is not running", null, false)]
    [InlineData(RunStrategy.RerunOnFailure, true, false, null, null, true)]
    [InlineData(RunStrategy.RerunOnFailure, false, true, "VM is not running", null, false)]
    public void StopFollowsKubeVirtPerRunStrategy(RunStrategy strategy, bool runActive, bool graceOrForce, string? refusal, RunStrategy? switchesTo, bool addsStop)
    {
        var outcome = VmRequestRules.Stop(strategy, runActive, stopPending: false, graceOrForce);

        AssertOutcome(outcome, refusal, switchesTo, addsStop ? [StateChangeAction.Stop] : []);
    }

    [Theory]
    [InlineData(RunStrategy.Halted, true, "Halted does not support manual restart requests")]
    [InlineData(RunStrategy.Once, true, "Once does not support manual restart requests")]
    [InlineData(RunStrategy.Always, false, "VM is not running")]
    [InlineData(RunStrategy.Manual, false, "VM is not running")]
    [InlineData(RunStrategy.Always, true, null)]
    [InlineData(RunStrategy.Manual, true, null)]
    [InlineData(RunStrategy.RerunOnFailure, true, null)]
    public void RestartIsAStopOfTheRunPlusAStart(RunStrategy strategy, bool runActive, string? refusal)
    {
        var outcome = VmRequestRules.Restart(strategy, runActive, startPending: false, stopPending: false);

        AssertOutcome(outcome, refusal, null, refusal is null ? [StateChangeAction.Stop, StateChangeAction.Start] : []);
    }

    [Fact]
    public void RepeatedRequestsDoNotPileUp()
    {
        Assert.Empty(VmRequestRules.Start(RunStrategy.Manual, false, VmPhase.None, startPending: true, stopPending: false).AddRequests);
        Assert.Empty(VmRequestRules.Stop(RunStrategy.Manual, true, stopPending: true, changesGraceOrForce: false).AddRequests);
        Assert.Empty(VmRequestRules.Restart(RunStrategy.Always, true, startPending: true, stopPending: true).AddRequests);
    }

    [Theory]
    [InlineData(false, false, new[] { StateChangeAction.Stop, StateChangeAction.Start })]
    [InlineData(true, false, new StateChangeAction[0])]
    [InlineData(true, true, new[] { StateChangeAction.Stop, StateChangeAction.Start })]
    public void ARestartOfARunThatHasNotComeUpYetChangesNothingUnlessAStopIsPending(bool runNotUpYet, bool stopPending, StateChangeAction[] adds)
    {
        var outcome = VmRequestRules.Restart(RunStrategy.Manual, runActive: true, startPending: false, stopPending, runNotUpYet);

        AssertOutcome(outcome, null, null, adds);
    }

    private static void AssertOutcome(VmRequestOutcome outcome, string? refusal, RunStrategy? switchesTo, StateChangeAction[] adds)
    {
        if (refusal is null)
        {
            Assert.Null(outcome.RefusedBecause);
        }
        else
        {
            Assert.StartsWith(refusal, outcome.RefusedBecause);
        }
        Assert.Equal(switchesTo, outcome.NewRunStrategy);
        Assert.Equal(adds, outcome.AddRequests.ToArray());
    }
}
