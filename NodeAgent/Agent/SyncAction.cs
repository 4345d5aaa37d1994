namespace Orvirt.NodeAgent.Agent;

/// <summary>The one action a sync performs.</summary>
public enum SyncAction
{
    /// <summary>Nothing to change; only report.</summary>
    None = 0,
    /// <summary>Create the pod if needed, define the domain and start it.</summary>
    Start = 1,
    /// <summary>Destroy the domain of an older run and start the desired run.</summary>
    ReplaceRun = 2,
    Pause = 3,
    Resume = 4,
    /// <summary>Ask the guest to shut down; destroy after the grace period.</summary>
    Shutdown = 5,
    /// <summary>Destroy the domain at once.</summary>
    Kill = 6,
    /// <summary>Destroy and undefine the domain and remove the pod.</summary>
    Delete = 7,
}
