using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>The persisted state of the <see cref="NodeDirectoryGrain"/>.</summary>
[GenerateSerializer, Alias("orvirt.NodeDirectoryState")]
public sealed class NodeDirectoryState
{
    /// <summary>Node name to its latest view.</summary>
    [Id(0)] public Dictionary<string, NodeInfo> Nodes { get; set; } = [];
    /// <summary>Keys (<c>namespace/name</c>) of VMs that found no node and wait for one.</summary>
    [Id(1)] public HashSet<string> Waiting { get; set; } = [];
}
