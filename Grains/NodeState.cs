using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>The persisted state of one <see cref="NodeGrain"/>.</summary>
[GenerateSerializer, Alias("orvirt.NodeState")]
public sealed class NodeState
{
    /// <summary>The agent's last registration; null before the first.</summary>
    [Id(0)] public NodeRegistration? Registration { get; set; }
    /// <summary>Rises when the node is fenced and comes back; stamps reservations.</summary>
    [Id(1)] public long Epoch { get; set; }
    /// <summary>VM key (<c>namespace/name</c>) to the resources reserved for it.</summary>
    [Id(2)] public Dictionary<string, NodeResources> Assignments { get; set; } = [];
    [Id(3)] public DateTimeOffset? LastHeartbeat { get; set; }
    [Id(4)] public bool Ready { get; set; }
    /// <summary>Why the node is or is not Ready.</summary>
    [Id(5)] public string Reason { get; set; } = "NeverRegistered";
    [Id(6)] public bool Fenced { get; set; }
}
