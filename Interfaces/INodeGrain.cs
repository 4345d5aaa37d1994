using System.Collections.Immutable;

namespace Orvirt.Interfaces;

/// <summary>One node: its agent's heartbeats, readiness, capacity reservations and the VMs assigned to it. Keyed by node name.</summary>
[Alias("orvirt.INodeGrain")]
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>Called by an agent when it starts; returns the node with its current epoch.</summary>
    [Alias("Register")]
    Task<NodeInfo> RegisterAsync(NodeRegistration registration);

    /// <summary>Called by the agent periodically; keeps the node Ready.</summary>
    [Alias("Heartbeat")]
    Task<NodeInfo> HeartbeatAsync(string agentInstanceId);

    /// <summary>The node as the control plane sees it.</summary>
    [Alias("GetInfo")]
    Task<NodeInfo> GetInfoAsync();

    /// <summary>The whole desired state of every VM assigned to this node (the agent's resync).</summary>
    [Alias("GetAssignments")]
    Task<ImmutableArray<VmDesired>> GetAssignmentsAsync();

    /// <summary>Atomically reserves CPU and memory for a VM; refused with a reason when it does not fit or the node is not Ready.</summary>
    [Alias("TryReserve")]
    Task<ReservationResult> TryReserveAsync(VmId vm, NodeResources need, ImmutableDictionary<string, string> nodeSelector);

    /// <summary>Gives back what a VM held and forgets the assignment.</summary>
    [Alias("Release")]
    Task ReleaseAsync(VmId vm);

    /// <summary>
    /// Called by the agent of a fenced node (<see cref="NodeInfo.Fenced"/> true in the answer to register or heartbeat)
    /// once it has destroyed every domain and pod that <see cref="GetAssignmentsAsync"/> no longer lists, passing the
    /// <see cref="NodeInfo.Epoch"/> it was fenced at. Unfences the node, raises its epoch and makes it Ready. The answer
    /// still has <see cref="NodeInfo.Fenced"/> true while the node's VMs are being failed over: call again after the
    /// next heartbeat. Idempotent: on a node that is not fenced it only returns the node.
    /// </summary>
    [Alias("ConfirmFencedCleanup")]
    Task<NodeInfo> ConfirmFencedCleanupAsync(string agentInstanceId, long epoch);
}

/// <summary>All nodes known to the cluster, and the VMs waiting for a node. Single key <c>cluster</c>.</summary>
[Alias("orvirt.INodeDirectoryGrain")]
public interface INodeDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Records the latest view of a node; a node that became Ready or freed capacity wakes waiting VMs.</summary>
    [Alias("Upsert")]
    Task UpsertAsync(NodeInfo node);

    /// <summary>Every known node.</summary>
    [Alias("List")]
    Task<ImmutableArray<NodeInfo>> ListAsync();

    /// <summary>Places a VM: filter Ready nodes by selector and free capacity, score least allocated, reserve on the node.</summary>
    [Alias("Schedule")]
    Task<ScheduleResult> ScheduleAsync(VmId vm, NodeResources need, ImmutableDictionary<string, string> nodeSelector);

    /// <summary>Forgets a VM that no longer waits for a node.</summary>
    [Alias("StopWaiting")]
    Task StopWaitingAsync(VmId vm);
}

/// <summary>Well-known grain keys.</summary>
public static class GrainKeys
{
    public const string NodeDirectory = "cluster";
    public const string VmIndex = "all";
}
