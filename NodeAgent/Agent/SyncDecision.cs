using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>The pure first phase of a sync: named facts from (desired, observed), then exactly one action. No libvirt here.</summary>
public static class SyncDecision
{
    /// <summary>The action that moves <paramref name="observed"/> toward <paramref name="desired"/>. A null desired means the VM no longer exists.</summary>
    public static SyncAction Decide(VmDesired? desired, ObservedDomain observed, bool podExists)
    {
        // The VM is gone (deleted, or moved to another node): remove whatever we hold for it.
        var vmGone = desired is null || desired.Power == DesiredPower.Absent;
        // A domain exists, in any state.
        var domainExists = observed.Exists;
        // QEMU runs for the domain.
        var domainActive = observed.IsActive;
        // The domain belongs to an older run than the desired one (a restart or a recreated VM).
        var isOldRun = domainExists && desired is not null && observed.InstanceId != desired.InstanceId;
        // The guest's vCPUs are paused.
        var isPaused = observed.State == DomainState.Paused;
        // The current run has ended (clean shutdown, stop, or crash); only the grain may start a new run.
        var currentRunEnded = domainExists && !isOldRun && !domainActive;
        var wantsRunning = desired?.Power == DesiredPower.Running;
        var wantsPaused = desired?.Power == DesiredPower.Paused;
        var wantsStopped = desired?.Power == DesiredPower.Stopped;
        var forceStop = desired?.ForceStop == true;

        if (vmGone)
        {
            return domainExists || podExists ? SyncAction.Delete : SyncAction.None;
        }
        if (wantsStopped)
        {
            return !domainActive ? SyncAction.None : forceStop ? SyncAction.Kill : SyncAction.Shutdown;
        }
        if (isOldRun)
        {
            return SyncAction.ReplaceRun;
        }
        if (currentRunEnded)
        {
            return SyncAction.None;
        }
        if (!domainExists)
        {
            return SyncAction.Start;
        }
        if (wantsRunning && isPaused)
        {
            return SyncAction.Resume;
        }
        if (wantsPaused && observed.State == DomainState.Running)
        {
            return SyncAction.Pause;
        }
        return SyncAction.None;
    }
}
