using System.Collections.Immutable;

namespace Orvirt.Interfaces;

[GenerateSerializer, Immutable, Alias("orvirt.NodeResources")]
public sealed record NodeResources
{
    [Id(0)] public int Vcpus { get; init; }
    [Id(1)] public long MemoryBytes { get; init; }

    public static readonly NodeResources Zero = new();

    public NodeResources Add(NodeResources o) => new() { Vcpus = Vcpus + o.Vcpus, MemoryBytes = MemoryBytes + o.MemoryBytes };

    public NodeResources Subtract(NodeResources o) => new() { Vcpus = Vcpus - o.Vcpus, MemoryBytes = MemoryBytes - o.MemoryBytes };

    public bool Fits(NodeResources need) => need.Vcpus <= Vcpus && need.MemoryBytes <= MemoryBytes;
}

/// <summary>Sent by an agent when it starts.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.NodeRegistration")]
public sealed record NodeRegistration
{
    [Id(0)] public string Name { get; init; } = "";
    /// <summary>What the VMs on this node may use in all.</summary>
    [Id(1)] public NodeResources Allocatable { get; init; } = NodeResources.Zero;
    [Id(2)] public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;
    [Id(3)] public HypervisorKind Hypervisor { get; init; }
    /// <summary>process, test or kubernetes.</summary>
    [Id(4)] public string PodRuntime { get; init; } = "";
    /// <summary>New for every agent process; tells a restart from a heartbeat.</summary>
    [Id(5)] public string AgentInstanceId { get; init; } = "";
    [Id(6)] public string AgentVersion { get; init; } = "";
}

/// <summary>A node as the control plane sees it.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.NodeInfo")]
public sealed record NodeInfo
{
    [Id(0)] public string Name { get; init; } = "";
    [Id(1)] public bool Ready { get; init; }
    /// <summary>Why the node is or is not Ready (e.g. <c>AgentReady</c>, <c>HeartbeatMissed</c>, <c>Fenced</c>).</summary>
    [Id(2)] public string Reason { get; init; } = "";
    [Id(3)] public NodeResources Allocatable { get; init; } = NodeResources.Zero;
    [Id(4)] public NodeResources Allocated { get; init; } = NodeResources.Zero;
    [Id(5)] public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;
    [Id(6)] public HypervisorKind Hypervisor { get; init; }
    [Id(7)] public string PodRuntime { get; init; } = "";
    [Id(8)] public DateTimeOffset? LastHeartbeat { get; init; }
    [Id(9)] public int VmCount { get; init; }
    /// <summary>
    /// The node missed heartbeats past the fence grace period: its VMs were failed over and it takes none until its
    /// agent destroyed what is no longer assigned to it and called <see cref="INodeGrain.ConfirmFencedCleanupAsync"/>.
    /// </summary>
    [Id(10)] public bool Fenced { get; init; }
    /// <summary>Starts at 1; rises when the node is fenced and again when its agent confirms cleanup (<see cref="INodeGrain.ConfirmFencedCleanupAsync"/>); stamps assignments. An agent restart keeps it.</summary>
    [Id(11)] public long Epoch { get; init; }
    [Id(12)] public bool Registered { get; init; }

    public NodeResources Free => Allocatable.Subtract(Allocated);
}

/// <summary>Result of asking a node to hold resources for a VM.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.ReservationResult")]
public sealed record ReservationResult
{
    [Id(0)] public bool Reserved { get; init; }
    [Id(1)] public long Epoch { get; init; }
    [Id(2)] public string Reason { get; init; } = "";
}

/// <summary>Where the scheduler placed a VM, or why it could not.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.ScheduleResult")]
public sealed record ScheduleResult
{
    /// <summary>Null when nothing fits; see <see cref="Reason"/>.</summary>
    [Id(0)] public string? Node { get; init; }
    [Id(1)] public long Epoch { get; init; }
    [Id(2)] public string Reason { get; init; } = "";
}
