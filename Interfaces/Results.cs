using System.Collections.Immutable;

namespace Orvirt.Interfaces;

/// <summary>One invalid field: its path (e.g. <c>spec.memory</c>) and what is wrong with how to fix it.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.FieldViolation")]
public sealed record FieldViolation([property: Id(0)] string Field, [property: Id(1)] string Description);

/// <summary>The outcome of an operation on a VM grain.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.VmResult")]
public sealed record VmResult
{
    [Id(0)] public VmResultCode Code { get; init; }
    [Id(1)] public string Message { get; init; } = "";
    [Id(2)] public ImmutableArray<FieldViolation> Violations { get; init; } = [];
    [Id(3)] public VmSnapshot? Vm { get; init; }

    public bool IsOk => Code == VmResultCode.Ok;

    public static VmResult Ok(VmSnapshot vm, string message = "") => new() { Code = VmResultCode.Ok, Vm = vm, Message = message };

    public static VmResult Fail(VmResultCode code, string message, VmSnapshot? vm = null) => new() { Code = code, Message = message, Vm = vm };

    public static VmResult Invalid(IEnumerable<FieldViolation> violations) => new()
    {
        Code = VmResultCode.Invalid,
        Violations = [.. violations],
        Message = "the VM is invalid: " + string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")),
    };
}

/// <summary>Options of a stop request.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.StopOptions")]
public sealed record StopOptions
{
    /// <summary>Overrides the spec's termination grace period when set.</summary>
    [Id(0)] public int? GracePeriodSeconds { get; init; }
    /// <summary>Destroy at once.</summary>
    [Id(1)] public bool Force { get; init; }
}

/// <summary>A pending start or stop request (KubeVirt's <c>status.stateChangeRequests</c>).</summary>
[GenerateSerializer, Immutable, Alias("orvirt.StateChangeRequest")]
public sealed record StateChangeRequest
{
    [Id(0)] public StateChangeAction Action { get; init; }
    /// <summary>For a stop: the run it stops (a restart is a stop of that run and a start).</summary>
    [Id(1)] public string InstanceId { get; init; } = "";
    [Id(2)] public int? GracePeriodSeconds { get; init; }
    [Id(3)] public bool Force { get; init; }
    [Id(4)] public DateTimeOffset RequestedAt { get; init; }
}
