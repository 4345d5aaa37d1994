using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>Everything <see cref="VmDecision.Decide"/> looks at: desired intent, observed state and the clock.</summary>
public sealed record VmDecisionInput
{
    /// <summary>The spec's run strategy.</summary>
    public RunStrategy RunStrategy { get; init; }
    /// <summary>A delete was requested.</summary>
    public bool DeletionRequested { get; init; }
    /// <summary>A run (instance id) exists, running or ended.</summary>
    public bool HasInstance { get; init; }
    /// <summary>The phase of that run.</summary>
    public VmPhase Phase { get; init; }
    /// <summary>What the agent last reported from libvirt.</summary>
    public DomainState Observed { get; init; }
    /// <summary>What the grain currently asks the agent for.</summary>
    public DesiredPower Power { get; init; }
    /// <summary>A node holds a reservation for this VM.</summary>
    public bool NodeAssigned { get; init; }
    /// <summary>The last scheduling attempt found no node.</summary>
    public bool Unschedulable { get; init; }
    /// <summary>A user start request is pending.</summary>
    public bool StartRequested { get; init; }
    /// <summary>A user stop request for the current run is pending.</summary>
    public bool StopRequested { get; init; }
    /// <summary>The user asked for the VM to be paused.</summary>
    public bool PauseRequested { get; init; }
    /// <summary>When the crash-loop backoff allows the next automatic restart; null when no failure is recorded.</summary>
    public DateTimeOffset? RetryAfter { get; init; }
    /// <summary>The time of the decision.</summary>
    public DateTimeOffset Now { get; init; }
}
