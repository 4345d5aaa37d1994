namespace Orvirt.Interfaces;

/// <summary>When the VM should run; KubeVirt's <c>spec.runStrategy</c>.</summary>
public enum RunStrategy
{
    /// <summary>Always running; restarted whenever it stops.</summary>
    Always = 0,
    /// <summary>Restarted only when it fails; a clean guest shutdown leaves it stopped.</summary>
    RerunOnFailure = 1,
    /// <summary>Runs only when a user starts it; never restarted by the controller.</summary>
    Manual = 2,
    /// <summary>Never running.</summary>
    Halted = 3,
    /// <summary>Runs once to completion; never restarted.</summary>
    Once = 4,
}

/// <summary>The status shown to people, KubeVirt's <c>status.printableStatus</c>.</summary>
public enum PrintableStatus
{
    Stopped = 0,
    Provisioning = 1,
    Starting = 2,
    Running = 3,
    Paused = 4,
    Stopping = 5,
    Terminating = 6,
    CrashLoopBackOff = 7,
    ErrorUnschedulable = 8,
    Unknown = 9,
}

/// <summary>The phase of the current run (KubeVirt's VMI phase).</summary>
public enum VmPhase
{
    /// <summary>No run exists.</summary>
    None = 0,
    /// <summary>A run is wanted but no node has it yet.</summary>
    Pending = 1,
    /// <summary>Placed on a node; the agent is bringing it up.</summary>
    Scheduled = 2,
    Running = 3,
    /// <summary>The run ended cleanly (guest shut down or stopped by request).</summary>
    Succeeded = 4,
    /// <summary>The run ended with a failure (crash, killed, failed to start).</summary>
    Failed = 5,
    /// <summary>The node stopped reporting.</summary>
    Unknown = 6,
}

/// <summary>What the agent found in libvirt for a VM.</summary>
public enum DomainState
{
    /// <summary>No pod or no domain exists.</summary>
    Absent = 0,
    /// <summary>Pod or domain being created and started.</summary>
    Starting = 1,
    Running = 2,
    Paused = 3,
    /// <summary>A graceful shutdown is under way.</summary>
    ShuttingDown = 4,
    /// <summary>Shut off after a clean guest shutdown or a requested stop.</summary>
    Shutoff = 5,
    /// <summary>Ended abnormally: QEMU died, was killed, or failed to start.</summary>
    Crashed = 6,
}

/// <summary>What the grain wants the agent to make true for a VM.</summary>
public enum DesiredPower
{
    Running = 0,
    Paused = 1,
    /// <summary>Domain shut down (pod may stay for a quick start).</summary>
    Stopped = 2,
    /// <summary>Pod, domain and files removed; the VM is deleted or moved away.</summary>
    Absent = 3,
}

/// <summary>A user's request to change the run state.</summary>
public enum StateChangeAction
{
    Start = 0,
    Stop = 1,
}

/// <summary>How an operation on a VM ended.</summary>
public enum VmResultCode
{
    Ok = 0,
    NotFound = 1,
    AlreadyExists = 2,
    Invalid = 3,
    /// <summary>Stale expected generation or a concurrent change.</summary>
    Conflict = 4,
    /// <summary>The VM's state or run strategy refuses the operation.</summary>
    Refused = 5,
    /// <summary>A namespace quota or rate limit was hit.</summary>
    Exhausted = 6,
}

/// <summary>The hypervisor a node runs domains with.</summary>
public enum HypervisorKind
{
    Test = 0,
    Tcg = 1,
    Kvm = 2,
}

public enum ConditionStatus
{
    True = 0,
    False = 1,
    Unknown = 2,
}
