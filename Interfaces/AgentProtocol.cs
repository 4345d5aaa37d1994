namespace Orvirt.Interfaces;

/// <summary>
/// The whole desired state of one VM, as published on its node's stream. Never a delta: applying it twice
/// is harmless, and an agent ignores one whose <see cref="Sequence"/> is not above the last it applied.
/// </summary>
[GenerateSerializer, Immutable, Alias("orvirt.VmDesired")]
public sealed record VmDesired
{
    [Id(0)] public string Namespace { get; init; } = "";
    [Id(1)] public string Name { get; init; } = "";
    [Id(2)] public string Uid { get; init; } = "";
    /// <summary>The run the agent should make true; a new id means a new domain (restart).</summary>
    [Id(3)] public string InstanceId { get; init; } = "";
    [Id(4)] public VmSpec Spec { get; init; } = new();
    [Id(5)] public long Generation { get; init; }
    /// <summary>Rises with every message the grain publishes for this VM.</summary>
    [Id(6)] public long Sequence { get; init; }
    [Id(7)] public DesiredPower Power { get; init; }
    [Id(8)] public string Node { get; init; } = "";
    /// <summary>The assignment's epoch on its node; reports carrying an older epoch are ignored.</summary>
    [Id(9)] public long Epoch { get; init; }
    /// <summary>For <see cref="DesiredPower.Stopped"/> or <see cref="DesiredPower.Absent"/>: how long to wait for the guest.</summary>
    [Id(10)] public int StopGracePeriodSeconds { get; init; }
    /// <summary>Destroy the domain at once instead of asking the guest to shut down.</summary>
    [Id(11)] public bool ForceStop { get; init; }

    public VmId Id => new(Namespace, Name);
}

/// <summary>What an agent observed in libvirt for one VM.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.VmObserved")]
public sealed record VmObserved
{
    [Id(0)] public string Namespace { get; init; } = "";
    [Id(1)] public string Name { get; init; } = "";
    [Id(2)] public string Uid { get; init; } = "";
    [Id(3)] public string InstanceId { get; init; } = "";
    [Id(4)] public string Node { get; init; } = "";
    [Id(5)] public long Epoch { get; init; }
    [Id(6)] public DomainState State { get; init; }
    /// <summary>A CamelCase reason, e.g. <c>Crashed</c>, <c>GuestShutdown</c>, <c>StartFailed</c>.</summary>
    [Id(7)] public string Reason { get; init; } = "";
    [Id(8)] public string Message { get; init; } = "";
    /// <summary>The desired generation the agent applied when it made this observation.</summary>
    [Id(9)] public long ObservedGeneration { get; init; }
    [Id(10)] public HypervisorKind Hypervisor { get; init; }
    [Id(11)] public DateTimeOffset ObservedAt { get; init; }
    /// <summary>The desired sequence the agent had applied.</summary>
    [Id(12)] public long DesiredSequence { get; init; }

    public VmId Id => new(Namespace, Name);
}

/// <summary>The grain's answer to a report.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.ReportAck")]
public sealed record ReportAck
{
    /// <summary>False when the report was for an old run, another node or an old epoch.</summary>
    [Id(0)] public bool Accepted { get; init; }
    [Id(1)] public string Reason { get; init; } = "";
    /// <summary>What the agent should make true now; null when the VM no longer exists (destroy it).</summary>
    [Id(2)] public VmDesired? Desired { get; init; }
}
