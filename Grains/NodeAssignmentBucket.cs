using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>One persisted bucket of a node's capacity reservations (<see cref="NodeAssignments"/>).</summary>
[GenerateSerializer, Alias("orvirt.NodeAssignmentBucket")]
public sealed class NodeAssignmentBucket
{
    /// <summary>VM key (<c>namespace/name</c>) to the resources reserved for it.</summary>
    [Id(0)] public Dictionary<string, NodeResources> Assignments { get; set; } = [];
}
