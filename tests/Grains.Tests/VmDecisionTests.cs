using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

public sealed class VmDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Shorthand for the run's situation in the tables below.</summary>
    public enum Run
    {
        /// <summary>No run ever existed.</summary>
        None,
        /// <summary>A run waits for a node.</summary>
        Pending,
        /// <summary>A run is on a node, domain being created.</summary>
        Scheduled,
        /// <summary>The domain runs.</summary>
        Running,
        /// <summary>The domain is paused.</summary>
        Paused,
        /// <summary>The last run ended cleanly.</summary>
        Succeeded,
        /// <summary>The last run failed; the backoff has not elapsed.</summary>
        FailedInBackoff,
        /// <summary>The last run failed; the backoff elapsed.</summary>
        FailedBackoffOver,
    }

    /// <summary>Pending user requests.</summary>
    public enum Req
    {
        None,
        Start,
        Stop,
        Restart,
    }

    private static VmDecisionInput Input(RunStrategy strategy, Run run, Req req) => new()
    {
        RunStrategy = strategy,
        HasInstance = run != Run.None,
        Phase = run switch
        {
            Run.None => VmPhase.None,
            Run.Pending => VmPhase.Pending,
            Run.Scheduled => VmPhase.Scheduled,
            Run.Running or Run.Paused => VmPhase.Running,
            Run.Succeeded => VmPhase.Succeeded,
            _ => VmPhase.Failed,
        },
        Observed = run switch
        {
            Run.Scheduled => DomainState.Starting,
            Run.Running => DomainState.Running,
            Run.Paused => DomainState.Paused,
            Run.Succeeded => DomainState.Shutoff,
            Run.FailedInBackoff or Run.FailedBackoffOver => DomainState.Crashed,
            _ => DomainState.Absent,
        },
        Power = run switch
        {
            Run.Paused => DesiredPower.Paused,
            Run.Succeeded or Run.FailedInBackoff or Run.FailedBackoffOver => DesiredPower.Stopped,
            _ => DesiredPower.Running,
        },
        NodeAssigned = run is not (Run.None or Run.Pending),
        StartRequested = req is Req.Start or Req.Restart,
        StopRequested = req is Req.Stop or Req.Restart,
        PauseRequested = run == Run.Paused,
        RetryAfter = run switch
        {
            Run.FailedInBackoff => Now.AddSeconds(10),
            Run.FailedBackoffOver => Now.AddSeconds(-1),
            _ => null,
        },
        Now = Now,
    };

    [Theory]
    // Always: runs whatever happened; a failure waits for the backoff; restart replaces the run.
    [InlineData(RunStrategy.Always, Run.None, Req.None, VmAction.StartInstance, PrintableStatus.Starting)]
    [InlineData(RunStrategy.Always, Run.Pending, Req.None, VmAction.Schedule, PrintableStatus.Starting)]
    [InlineData(RunStrategy.Always, Run.Scheduled, Req.None, VmAction.None, PrintableStatus.Starting)]
    [InlineData(RunStrategy.Always, Run.Running, Req.None, VmAction.None, PrintableStatus.Running)]
    [InlineData(RunStrategy.Always, Run.Paused, Req.None, VmAction.None, PrintableStatus.Paused)]
    [InlineData(RunStrategy.Always, Run.Succeeded, Req.None, VmAction.StartInstance, PrintableStatus.Starting)]
    [InlineData(RunStrategy.Always, Run.FailedInBackoff, Req.None, VmAction.WaitBackoff, PrintableStatus.CrashLoopBackOff)]
    [InlineData(RunStrategy.Always, Run.FailedBackoffOver, Req.None, VmAction.StartInstance, PrintableStatus.Starting)]
    [InlineData(RunStrategy.Always, Run.Running, Req.Restart, VmAction.Restart, PrintableStatus.Running)]
    // RerunOnFailure: runs at creation, restarts after failures, stays stopped after a clean end.
    [InlineData(RunStrategy.RerunOnFailure, Run.None, Req.None, VmAction.StartInstance, PrintableStatus.Starting)]
    [InlineData(RunStrategy.RerunOnFailure, Run.Running, Req.None, VmAction.None, PrintableStatus.Running)]
    [InlineData(RunStrategy.RerunOnFailure, Run.Running, Req.Stop, VmAction.StopInstance, PrintableStatus.Stopping)]
    [InlineData(RunStrategy.RerunOnFailure, Run.Running, Req.Restart, VmAction.Restart, PrintableStatus.Running)]
    [InlineData(RunStrategy.RerunOnFailure, Run.Succeeded, Req.None, VmAction.None, PrintableStatus.Stopped)]
    [InlineData(RunStrategy.RerunOnFailure, Run.Succeeded, Req.Start, VmAction.StartInstance, PrintableStatus.Starting)]
    [InlineData(RunStrategy.RerunOnFailure, Run.FailedInBackoff, Req.None, VmAction.WaitBackoff, PrintableStatus.CrashLoopBackOff)]
    [InlineData(RunStrategy.RerunOnFailure, Run.FailedBackoffOver, Req.None, VmAction.StartInstance, PrintableStatus.Starting)]
    // Manual: runs only on a start request; never restarted by the controller.
    [InlineData(RunStrategy.Manual, Run.None, Req.None, VmAction.None, PrintableStatus.Stopped)]
    [InlineData(RunStrategy.Manual, Run.None, Req.Start, VmAction.StartInstance, PrintableStatus.Starting)]
    [InlineData(RunStrategy.Manual, Run.Running, Req.None, VmAction.None, PrintableStatus.Running)]
    [InlineData(RunStrategy.Manual, Run.Running, Req.Stop, VmAction.StopInstance, PrintableStatus.Stopping)]
    [InlineData(RunStrategy.Manual, Run.Paused, Req.Stop, VmAction.StopInstance, PrintableStatus.Stopping)]
    [InlineData(RunStrategy.Manual, Run.Running, Req.Restart, VmAction.Restart, PrintableStatus.Running)]
    [InlineData(RunStrategy.Manual, Run.Succeeded, Req.None, VmAction.None, PrintableStatus.Stopped)]
    [InlineData(RunStrategy.Manual, Run.FailedInBackoff, Req.None, VmAction.None, PrintableStatus.Stopped)]
    [InlineData(RunStrategy.Manual, Run.FailedInBackoff, Req.Start, VmAction.StartInstance, PrintableStatus.Starting)]
    [InlineData(RunStrategy.Manual, Run.Pending, Req.Stop, VmAction.StopInstance, PrintableStatus.Stopping)]
    // Halted: never runs; a run left over is stopped.
    [InlineData(RunStrategy.Halted, Run.None, Req.None, VmAction.None, PrintableStatus.Stopped)]
    [InlineData(RunStrategy.Halted, Run.Running, Req.None, VmAction.StopInstance, PrintableStatus.Stopping)]
    [InlineData(RunStrategy.Halted, Run.Paused, Req.None, VmAction.StopInstance, PrintableStatus.Stopping)]
    [InlineData(RunStrategy.Halted, Run.Succeeded, Req.None, VmAction.None, PrintableStatus.Stopped)]
    [InlineData(RunStrategy.Halted, Run.FailedInBackoff, Req.None, VmAction.None, PrintableStatus.Stopped)]
    // Once: runs once to its end, never again.
    [InlineData(RunStrategy.Once, Run.None, Req.None, VmAction.StartInstance, PrintableStatus.Starting)]
    [InlineData(RunStrategy.Once, Run.Running, Req.None, VmAction.None, PrintableStatus.Running)]
    [InlineData(RunStrategy.Once, Run.Succeeded, Req.None, VmAction.None, PrintableStatus.Stopped)]
    [InlineData(RunStrategy.Once, Run.FailedBackoffOver, Req.None, VmAction.None, PrintableStatus.Stopped)]
    public void DecidesOneActionAndPrintableStatusPerStrategyRunAndRequest(RunStrategy strategy, Run run, Req req, VmAction action, PrintableStatus printable)
    {
        var result = VmDecision.Decide(Input(strategy, run, req));

        Assert.Equal((action, printable), (result.Action, result.PrintableStatus));
    }

    [Theory]
    [InlineData(RunStrategy.Always)]
    [InlineData(RunStrategy.Manual)]
    [InlineData(RunStrategy.Halted)]
    public void DeletionRemovesTheDomainFirstThenTheVmOnceTheAgentReportsAbsent(RunStrategy strategy)
    {
        var running = Input(strategy, Run.Running, Req.None) with { DeletionRequested = true };
        var removing = running with { Power = DesiredPower.Absent };
        var gone = removing with { Observed = DomainState.Absent };
        var neverPlaced = Input(strategy, Run.Pending, Req.None) with { DeletionRequested = true };

        Assert.Equal((VmAction.StopInstance, PrintableStatus.Terminating), Pick(VmDecision.Decide(running)));
        Assert.Equal((VmAction.None, PrintableStatus.Terminating), Pick(VmDecision.Decide(removing)));
        Assert.Equal((VmAction.Remove, PrintableStatus.Terminating), Pick(VmDecision.Decide(gone)));
        Assert.Equal((VmAction.Remove, PrintableStatus.Terminating), Pick(VmDecision.Decide(neverPlaced)));
    }

    [Fact]
    public void ARunWithoutANodeIsUnschedulableOnlyAfterASchedulingAttemptFailed()
    {
        var pending = Input(RunStrategy.Always, Run.Pending, Req.None);

        Assert.Equal((VmAction.Schedule, PrintableStatus.Starting), Pick(VmDecision.Decide(pending)));
        Assert.Equal((VmAction.Schedule, PrintableStatus.ErrorUnschedulable), Pick(VmDecision.Decide(pending with { Unschedulable = true })));
    }

    [Fact]
    public void PauseAndUnpauseRequestsBecomeOneActionEach()
    {
        var running = Input(RunStrategy.Always, Run.Running, Req.None);

        Assert.Equal(VmAction.Pause, VmDecision.Decide(running with { PauseRequested = true }).Action);
        Assert.Equal(VmAction.Unpause, VmDecision.Decide(running with { Power = DesiredPower.Paused, Observed = DomainState.Paused }).Action);
        Assert.Equal(VmAction.None, VmDecision.Decide(running with { Power = DesiredPower.Paused, PauseRequested = true }).Action);
    }

    [Fact]
    public void AUserStartAfterAFailureDoesNotWaitForTheBackoff()
    {
        var failed = Input(RunStrategy.Manual, Run.FailedInBackoff, Req.Start);

        Assert.Equal(VmAction.StartInstance, VmDecision.Decide(failed).Action);
    }

    public static TheoryData<RunStrategy, Run, Req, bool> Matrix()
    {
        var data = new TheoryData<RunStrategy, Run, Req, bool>();
        foreach (var strategy in Enum.GetValues<RunStrategy>())
        {
            foreach (var run in Enum.GetValues<Run>())
            {
                foreach (var req in Enum.GetValues<Req>())
                {
                    data.Add(strategy, run, req, false);
                    data.Add(strategy, run, req, true);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void EveryCombinationKeepsTheControllersPromises(RunStrategy strategy, Run run, Req req, bool deleting)
    {
        var input = Input(strategy, run, req) with { DeletionRequested = deleting };

        var result = VmDecision.Decide(input);

        var starts = result.Action is VmAction.StartInstance or VmAction.Restart;
        var context = $"{strategy} {run} {req} deleting={deleting} -> {result.Action}/{result.PrintableStatus}";
        // Nothing starts while deleting or under Halted without a start request.
        Assert.False(starts && (deleting || (strategy == RunStrategy.Halted && !input.StartRequested)), context);
        // Deleting always shows Terminating.
        Assert.Equal(deleting, result.PrintableStatus == PrintableStatus.Terminating);
        // Waiting for the backoff happens only inside the backoff, and shows CrashLoopBackOff.
        Assert.Equal(result.Action == VmAction.WaitBackoff, result.PrintableStatus == PrintableStatus.CrashLoopBackOff);
        Assert.False(result.Action == VmAction.WaitBackoff && run != Run.FailedInBackoff, context);
        // Running and Paused are shown only for what the agent reported.
        Assert.False(result.PrintableStatus == PrintableStatus.Running && input.Observed != DomainState.Running, context);
        Assert.False(result.PrintableStatus == PrintableStatus.Paused && input.Observed != DomainState.Paused, context);
        // A user's restart of an active run always replaces it.
        Assert.False(!deleting && req == Req.Restart && run is Run.Pending or Run.Scheduled or Run.Running or Run.Paused
            && strategy is not (RunStrategy.Halted or RunStrategy.Once) && result.Action != VmAction.Restart, context);
        // Schedule is only asked for a run that exists and has no node.
        Assert.False(result.Action == VmAction.Schedule && !(input.HasInstance && !input.NodeAssigned), context);
    }

    private static (VmAction, PrintableStatus) Pick(VmDecisionResult r) => (r.Action, r.PrintableStatus);
}
