using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>The persisted state of one <see cref="VirtualMachineGrain"/>: desired and actual side by side.</summary>
[GenerateSerializer, Alias("orvirt.VirtualMachineState")]
public sealed class VirtualMachineState
{
    /// <summary>False before create and after delete completed.</summary>
    [Id(0)] public bool Exists { get; set; }
    /// <summary>New for every creation under this name.</summary>
    [Id(1)] public string Uid { get; set; } = "";
    [Id(2)] public VmSpec Spec { get; set; } = new();
    /// <summary>Bumped on spec changes (labels excluded).</summary>
    [Id(3)] public long Generation { get; set; }
    [Id(4)] public DateTimeOffset CreatedAt { get; set; }
    [Id(5)] public DateTimeOffset? DeletionRequestedAt { get; set; }
    [Id(6)] public VmStatus Status { get; set; } = new();
    /// <summary>Pending start and stop requests.</summary>
    [Id(7)] public List<StateChangeRequest> Requests { get; set; } = [];
    /// <summary>The node holding a reservation for this VM, or null.</summary>
    [Id(8)] public string? Node { get; set; }
    /// <summary>The node's epoch when the reservation was made.</summary>
    [Id(9)] public long Epoch { get; set; }
    /// <summary>The current (or last) run; empty before the first run.</summary>
    [Id(10)] public string InstanceId { get; set; } = "";
    [Id(11)] public DesiredPower Power { get; set; } = DesiredPower.Stopped;
    /// <summary>Rises with every change of the desired state sent to the agent.</summary>
    [Id(12)] public long Sequence { get; set; }
    /// <summary>Crash-loop backoff as data: <see cref="StartFailure.RetryAfter"/> is the next attempt.</summary>
    [Id(13)] public StartFailure? Backoff { get; set; }
    [Id(14)] public VmObserved? LastObserved { get; set; }
    [Id(15)] public long ResourceVersion { get; set; }
    /// <summary>The user asked for the run to be paused.</summary>
    [Id(16)] public bool PauseRequested { get; set; }
    /// <summary>Grace period of the stop being asked for.</summary>
    [Id(17)] public int StopGracePeriodSeconds { get; set; }
    /// <summary>The stop being asked for destroys at once.</summary>
    [Id(18)] public bool ForceStop { get; set; }
    /// <summary>The spec the current run was started with (for RestartRequired).</summary>
    [Id(19)] public VmSpec? RunSpec { get; set; }
    /// <summary>When the current run was first reported Running.</summary>
    [Id(20)] public DateTimeOffset? RunningSince { get; set; }
    /// <summary>Why the last scheduling attempt found no node; null when placed or not needed.</summary>
    [Id(21)] public string? UnschedulableReason { get; set; }
}
