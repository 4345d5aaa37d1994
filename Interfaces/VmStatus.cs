using System.Collections.Immutable;

namespace Orvirt.Interfaces;

/// <summary>The actual state of a VM as derived by its grain from the agent's reports.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.VmStatus")]
public sealed record VmStatus
{
    [Id(0)] public PrintableStatus PrintableStatus { get; init; } = PrintableStatus.Stopped;
    [Id(1)] public VmPhase Phase { get; init; } = VmPhase.None;
    [Id(2)] public string? Node { get; init; }
    [Id(3)] public ImmutableArray<VmCondition> Conditions { get; init; } = [];
    /// <summary>The generation the agent last applied.</summary>
    [Id(4)] public long ObservedGeneration { get; init; }
    /// <summary>The generation the grain wants applied.</summary>
    [Id(5)] public long DesiredGeneration { get; init; }
    /// <summary>Unique id of the current run; a new one on every start or restart. Empty when not running.</summary>
    [Id(6)] public string InstanceId { get; init; } = "";
    [Id(7)] public int RestartCount { get; init; }
    [Id(8)] public StartFailure? StartFailure { get; init; }
    [Id(9)] public ImmutableArray<PhaseTransition> PhaseTransitions { get; init; } = [];
    [Id(10)] public HypervisorKind? Hypervisor { get; init; }
    /// <summary>The state the agent last reported from libvirt.</summary>
    [Id(11)] public DomainState DomainState { get; init; } = DomainState.Absent;
    [Id(12)] public DateTimeOffset? LastReportAt { get; init; }

    public VmCondition? Condition(string type) => Conditions.FirstOrDefault(c => c.Type == type);

    public bool IsTrue(string type) => Condition(type)?.Status == ConditionStatus.True;
}

/// <summary>A status condition in Kubernetes' shape.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.VmCondition")]
public sealed record VmCondition
{
    /// <summary>See <see cref="ConditionTypes"/>.</summary>
    [Id(0)] public string Type { get; init; } = "";
    [Id(1)] public ConditionStatus Status { get; init; }
    [Id(2)] public string Reason { get; init; } = "";
    [Id(3)] public string Message { get; init; } = "";
    [Id(4)] public DateTimeOffset LastTransitionTime { get; init; }
}

public static class ConditionTypes
{
    public const string Ready = "Ready";
    public const string Paused = "Paused";
    public const string RestartRequired = "RestartRequired";
    public const string Failure = "Failure";
}

/// <summary>Consecutive start failures and when the next attempt is allowed (capped exponential backoff).</summary>
[GenerateSerializer, Immutable, Alias("orvirt.StartFailure")]
public sealed record StartFailure
{
    [Id(0)] public int ConsecutiveFailures { get; init; }
    [Id(1)] public DateTimeOffset LastFailureAt { get; init; }
    [Id(2)] public DateTimeOffset RetryAfter { get; init; }
    [Id(3)] public string Reason { get; init; } = "";
}

[GenerateSerializer, Immutable, Alias("orvirt.PhaseTransition")]
public sealed record PhaseTransition
{
    [Id(0)] public VmPhase Phase { get; init; }
    [Id(1)] public DateTimeOffset At { get; init; }
}
