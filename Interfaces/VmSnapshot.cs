namespace Orvirt.Interfaces;

/// <summary>A VM as the API shows it: identity, desired spec and actual status.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.VmSnapshot")]
public sealed record VmSnapshot
{
    [Id(0)] public string Namespace { get; init; } = "";
    [Id(1)] public string Name { get; init; } = "";
    /// <summary>Unique per creation: a VM deleted and created again under the same name gets a new uid.</summary>
    [Id(2)] public string Uid { get; init; } = "";
    /// <summary>Bumped on every spec change, never on status changes.</summary>
    [Id(3)] public long Generation { get; init; }
    [Id(4)] public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Set once a delete was requested; the VM goes when its domain is gone.</summary>
    [Id(5)] public DateTimeOffset? DeletionRequestedAt { get; init; }
    [Id(6)] public VmSpec Spec { get; init; } = new();
    [Id(7)] public VmStatus Status { get; init; } = new();
    /// <summary>Rises on every change to spec or status; orders watch events.</summary>
    [Id(8)] public long ResourceVersion { get; init; }

    public VmId Id => new(Namespace, Name);
}

/// <summary>A status or spec change published for watchers.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.VmEvent")]
public sealed record VmEvent
{
    [Id(0)] public VmEventType Type { get; init; }
    [Id(1)] public VmSnapshot Vm { get; init; } = new();
}

public enum VmEventType
{
    Added = 0,
    Modified = 1,
    Deleted = 2,
}
