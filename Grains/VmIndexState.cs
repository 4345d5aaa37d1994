using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>The persisted state of the <see cref="VmIndexGrain"/>.</summary>
[GenerateSerializer, Alias("orvirt.VmIndexState")]
public sealed class VmIndexState
{
    /// <summary>VM key (<c>namespace/name</c>) to its entry.</summary>
    [Id(0)] public Dictionary<string, VmIndexEntry> Entries { get; set; } = [];
}
