namespace Orvirt.Grains;

/// <summary>The one thing the VM grain does next, as chosen by <see cref="VmDecision"/>.</summary>
public enum VmAction
{
    /// <summary>Desired state already matches; wait for the agent.</summary>
    None = 0,
    /// <summary>The current run has no node: ask the directory for one.</summary>
    Schedule = 1,
    /// <summary>Begin a new run with a new instance id.</summary>
    StartInstance = 2,
    /// <summary>Tell the agent to stop the current run (or remove it when the VM is being deleted).</summary>
    StopInstance = 3,
    /// <summary>Replace the current run by a new one (stop and start requests are both pending).</summary>
    Restart = 4,
    /// <summary>Tell the agent to pause the running domain.</summary>
    Pause = 5,
    /// <summary>Tell the agent to resume the paused domain.</summary>
    Unpause = 6,
    /// <summary>The VM is deleted and its domain is gone: release everything and forget it.</summary>
    Remove = 7,
    /// <summary>A restart is wanted but the crash-loop backoff has not elapsed.</summary>
    WaitBackoff = 8,
}
