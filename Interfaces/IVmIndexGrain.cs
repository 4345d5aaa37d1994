using System.Collections.Immutable;

namespace Orvirt.Interfaces;

/// <summary>The list of VMs for listing by namespace and label selector, with paging. Key <see cref="GrainKeys.VmIndex"/>.</summary>
[Alias("orvirt.IVmIndexGrain")]
public interface IVmIndexGrain : IGrainWithStringKey
{
    /// <summary>Adds or updates a VM's entry.</summary>
    [Alias("Upsert")]
    Task UpsertAsync(VmIndexEntry entry);

    /// <summary>Removes a VM's entry.</summary>
    [Alias("Remove")]
    Task RemoveAsync(VmId vm);

    /// <summary>One page of VMs in name order.</summary>
    [Alias("List")]
    Task<VmListPage> ListAsync(VmListQuery query);

    /// <summary>How many VMs <paramref name="namespace"/> holds.</summary>
    [Alias("Count")]
    Task<int> CountAsync(string @namespace);
}

[GenerateSerializer, Immutable, Alias("orvirt.VmIndexEntry")]
public sealed record VmIndexEntry
{
    [Id(0)] public string Namespace { get; init; } = "";
    [Id(1)] public string Name { get; init; } = "";
    [Id(2)] public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    public VmId Id => new(Namespace, Name);
}

[GenerateSerializer, Immutable, Alias("orvirt.VmListQuery")]
public sealed record VmListQuery
{
    /// <summary>Null or empty: all namespaces.</summary>
    [Id(0)] public string? Namespace { get; init; }
    /// <summary>Kubernetes label selector syntax: <c>a=b,c!=d,e,!f,g in (x,y)</c>.</summary>
    [Id(1)] public string? LabelSelector { get; init; }
    /// <summary>Page size; 0 means all.</summary>
    [Id(2)] public int Limit { get; init; }
    /// <summary>The <see cref="VmListPage.Continue"/> of the previous page.</summary>
    [Id(3)] public string? Continue { get; init; }
}

[GenerateSerializer, Immutable, Alias("orvirt.VmListPage")]
public sealed record VmListPage
{
    [Id(0)] public ImmutableArray<VmId> Items { get; init; } = [];
    /// <summary>Pass back to get the next page; empty on the last page.</summary>
    [Id(1)] public string Continue { get; init; } = "";
}
