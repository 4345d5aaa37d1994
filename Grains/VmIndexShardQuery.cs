using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>The query of <see cref="IVmIndexShardGrain.ListAsync"/>: the shard's part of one page.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.VmIndexShardQuery")]
public sealed record VmIndexShardQuery
{
    /// <summary>Null or empty: all namespaces.</summary>
    [Id(0)] public string? Namespace { get; init; }
    /// <summary>A label selector already checked by the caller; empty matches everything.</summary>
    [Id(1)] public string LabelSelector { get; init; } = "";
    /// <summary>Only VMs after this one in (namespace, name) order; null: from the first.</summary>
    [Id(2)] public VmId? After { get; init; }
    /// <summary>At most this many VMs; 0 means all.</summary>
    [Id(3)] public int Limit { get; init; }
}
