using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>
/// THE decision of the VM controller, a pure function in KubeVirt's two-phase shape: first named facts
/// from (run strategy, requests, observed state, backoff), then exactly one action and the printable status.
/// </summary>
public static class VmDecision
{
    /// <summary>Chooses the next action and the printable status.</summary>
    public static VmDecisionResult Decide(VmDecisionInput input)
    {
        // The current run ended (guest shut down, was stopped, crashed or failed to start).
        var runEnded = input.HasInstance && input.Phase is VmPhase.Succeeded or VmPhase.Failed;
        // A run exists that has not ended: pending, scheduled, running or unknown.
        var runActive = input.HasInstance && !runEnded;
        // The last run ended cleanly (guest shutdown or a requested stop).
        var endedCleanly = runEnded && input.Phase == VmPhase.Succeeded;
        // The last run ended with a failure (crash, start failure, node lost).
        var endedFailed = runEnded && input.Phase == VmPhase.Failed;
        // Both a stop of the current run and a start are pending: the user asked for a restart.
        var restartRequested = runActive && input.StopRequested && input.StartRequested;
        // Whether the VM should be running, per KubeVirt's run strategies.
        var wantsRun = !input.DeletionRequested && input.RunStrategy switch
        {
            RunStrategy.Always => !input.StopRequested || input.StartRequested,
            RunStrategy.RerunOnFailure => input.StartRequested || (!input.StopRequested && !endedCleanly),
            RunStrategy.Manual => input.StartRequested || (runActive && !input.StopRequested),
            RunStrategy.Once => !input.StopRequested && !runEnded,
            _ => false,
        };
        // A new run (new instance id) is needed: none exists, the last one ended, or a restart was asked for.
        var needsNewInstance = wantsRun && (!input.HasInstance || runEnded || restartRequested);
        // The new run would be an automatic restart after a failure, not a user's start.
        var automaticRestart = endedFailed && !input.StartRequested;
        // That automatic restart must wait for the crash-loop backoff.
        var backoffPending = needsNewInstance && automaticRestart && input.RetryAfter is { } retry && retry > input.Now;
        // The current run still needs a node.
        var needsNode = wantsRun && runActive && !input.NodeAssigned;
        // The current run must end and the agent has not been told yet.
        var mustStop = runActive && !wantsRun && input.Power is DesiredPower.Running or DesiredPower.Paused;
        // Deleting: the agent has not been told to remove the domain yet.
        var mustRemoveDomain = input.DeletionRequested && input.NodeAssigned && input.Power != DesiredPower.Absent;
        // Deleting and nothing is left on any node: the VM can be forgotten.
        var canRemove = input.DeletionRequested
            && (!input.NodeAssigned || (input.Power == DesiredPower.Absent && input.Observed == DomainState.Absent));
        // The user asked for a pause that the agent has not been told about.
        var mustPause = runActive && wantsRun && input.NodeAssigned && input.PauseRequested && input.Power == DesiredPower.Running;
        // The user asked to resume and the agent still has the pause.
        var mustUnpause = runActive && wantsRun && input.NodeAssigned && !input.PauseRequested && input.Power == DesiredPower.Paused;

        var action =
            canRemove ? VmAction.Remove
            : mustRemoveDomain ? VmAction.StopInstance
            : input.DeletionRequested ? VmAction.None
            : backoffPending ? VmAction.WaitBackoff
            : restartRequested ? VmAction.Restart
            : needsNewInstance ? VmAction.StartInstance
            : needsNode ? VmAction.Schedule
            : mustStop ? VmAction.StopInstance
            : mustPause ? VmAction.Pause
            : mustUnpause ? VmAction.Unpause
            : VmAction.None;

        // KubeVirt's precedence: the first that holds wins.
        var printable =
            input.DeletionRequested ? PrintableStatus.Terminating
            : runActive && !wantsRun ? PrintableStatus.Stopping
            : needsNode && input.Unschedulable ? PrintableStatus.ErrorUnschedulable
            : runActive && input.Phase == VmPhase.Unknown ? PrintableStatus.Unknown
            : runActive && input.NodeAssigned && input.Observed == DomainState.Paused ? PrintableStatus.Paused
            : runActive && input.Phase == VmPhase.Running && input.Observed is DomainState.Running or DomainState.ShuttingDown ? PrintableStatus.Running
            : backoffPending ? PrintableStatus.CrashLoopBackOff
            : wantsRun ? PrintableStatus.Starting
            : PrintableStatus.Stopped;

        return new VmDecisionResult(action, printable, wantsRun);
    }
}
