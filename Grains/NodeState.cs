using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>The persisted state of one <see cref="NodeGrain"/>.</summary>
[GenerateSerializer, Alias("orvirt.NodeState")]
public sealed class NodeState
{
    /// <summary>The agent's last registration; null before the first.</summary>
    [Id(0)] public NodeRegistration? Registration { get; set; }
    /// <summary>Starts at 1; rises when the node is fenced and again when its agent confirms cleanup; stamps reservations.</summary>
    [Id(1)] public long Epoch { get; set; }
    /// <summary>
    /// Where earlier versions kept the reservations (VM key to resources); now kept in <see cref="NodeAssignments"/>'
    /// buckets, into which the node grain moves these when it activates. Empty once moved.
    /// </summary>
    [Id(2)] public Dictionary<string, NodeResources> Assignments { get; set; } = [];
    [Id(3)] public DateTimeOffset? LastHeartbeat { get; set; }
    [Id(4)] public bool Ready { get; set; }
    /// <summary>Why the node is or is not Ready.</summary>
    [Id(5)] public string Reason { get; set; } = "NeverRegistered";
    /// <summary>Set when the node was fenced; cleared once its agent confirmed it destroyed what is no longer assigned to it.</summary>
    [Id(6)] public bool Fenced { get; set; }
    /// <summary>When the node went NotReady for missed heartbeats; the fence grace period counts from here.</summary>
    [Id(7)] public DateTimeOffset? NotReadySince { get; set; }
    /// <summary>VM key (<c>namespace/name</c>) to the fence epoch: VMs that still have to be told that the node was lost.</summary>
    [Id(8)] public Dictionary<string, long> PendingNodeLost { get; set; } = [];
    /// <summary>When the node was last fenced.</summary>
    [Id(9)] public DateTimeOffset? FencedAt { get; set; }
}
