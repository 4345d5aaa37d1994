using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>
/// KubeVirt's start/stop/restart subresource rules per run strategy (virt-api's StartVMRequestHandler,
/// StopVMRequestHandler and RestartVMRequestHandler), as pure functions.
/// </summary>
public static class VmRequestRules
{
    /// <summary>Message when a stop or restart finds no active run.</summary>
    public const string NotRunning = "VM is not running";

    /// <summary>Message when a start finds an active run.</summary>
    public const string AlreadyRunning = "VM is already running";

    /// <summary>A start request: Halted switches to Always, Manual and RerunOnFailure add a start request, Always and Once refuse.</summary>
    /// <param name="strategy">The spec's run strategy.</param>
    /// <param name="runActive">A run exists that has not ended.</param>
    /// <param name="phase">The phase of the current or last run.</param>
    /// <param name="startPending">A start request is already pending.</param>
    /// <param name="stopPending">A stop request for the current run is pending.</param>
    public static VmRequestOutcome Start(RunStrategy strategy, bool runActive, VmPhase phase, bool startPending, bool stopPending)
    {
        if (startPending)
        {
            return VmRequestOutcome.NoChange;
        }
        if (runActive && !stopPending && phase != VmPhase.Unknown)
        {
            return VmRequestOutcome.Refuse(AlreadyRunning);
        }
        return strategy switch
        {
            RunStrategy.Halted => VmRequestOutcome.Switch(RunStrategy.Always),
            RunStrategy.RerunOnFailure when phase == VmPhase.Failed =>
                VmRequestOutcome.Refuse("RerunOnFailure does not support starting VM from failed state; it restarts by itself after its backoff"),
            RunStrategy.RerunOnFailure or RunStrategy.Manual => VmRequestOutcome.Add(StateChangeAction.Start),
            _ => VmRequestOutcome.Refuse($"{strategy} does not support manual start requests"),
        };
    }

    /// <summary>A stop request: Always and Once switch to Halted, Manual and RerunOnFailure add a stop request of the current run, Halted refuses.</summary>
    /// <param name="strategy">The spec's run strategy.</param>
    /// <param name="runActive">A run exists that has not ended.</param>
    /// <param name="stopPending">A stop request for the current run is already pending.</param>
    /// <param name="changesGraceOrForce">The request carries a grace period or force that could shorten a stop under way.</param>
    public static VmRequestOutcome Stop(RunStrategy strategy, bool runActive, bool stopPending, bool changesGraceOrForce)
    {
        switch (strategy)
        {
            case RunStrategy.Always or RunStrategy.Once:
                return VmRequestOutcome.Switch(RunStrategy.Halted);
            case RunStrategy.Halted:
                if (!runActive)
                {
                    return VmRequestOutcome.Refuse(NotRunning);
                }
                return changesGraceOrForce
                    ? VmRequestOutcome.NoChange
                    : VmRequestOutcome.Refuse("Halted does not support manual stop requests; the VM is already stopping (pass a shorter grace period or force to hurry it)");
            default:
                if (!runActive)
                {
                    return VmRequestOutcome.Refuse(NotRunning);
                }
                return stopPending ? VmRequestOutcome.NoChange : VmRequestOutcome.Add(StateChangeAction.Stop);
        }
    }

    /// <summary>A restart request: a stop of the current run plus a start; refused under Halted and Once or without an active run.</summary>
    /// <param name="strategy">The spec's run strategy.</param>
    /// <param name="runActive">A run exists that has not ended.</param>
    /// <param name="startPending">A start request is already pending.</param>
    /// <param name="stopPending">A stop request for the current run is already pending.</param>
    /// <param name="runNotUpYet">
    /// The current run has not come up yet and already has the current spec (e.g. it was begun by the previous restart):
    /// restarting it again would change nothing, so repeated restarts do not pile up new runs.
    /// </param>
    public static VmRequestOutcome Restart(RunStrategy strategy, bool runActive, bool startPending, bool stopPending, bool runNotUpYet = false)
    {
        if (strategy is RunStrategy.Halted or RunStrategy.Once)
        {
            return VmRequestOutcome.Refuse($"{strategy} does not support manual restart requests");
        }
        if (!runActive)
        {
            return VmRequestOutcome.Refuse(NotRunning);
        }
        if ((startPending && stopPending) || (runNotUpYet && !stopPending))
        {
            return VmRequestOutcome.NoChange;
        }
        return VmRequestOutcome.Add(StateChangeAction.Stop, StateChangeAction.Start);
    }
}
