using System.Collections.Immutable;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>The agent's calls into the cluster: its node grain and the VM grains.</summary>
public interface IControlPlane
{
    /// <summary>Registers the node; returns its info with the current epoch.</summary>
    Task<NodeInfo> RegisterAsync(NodeRegistration registration, CancellationToken ct);

    /// <summary>Keeps the node Ready.</summary>
    Task<NodeInfo> HeartbeatAsync(string node, string agentInstanceId, CancellationToken ct);

    /// <summary>
    /// Tells a fenced node that its agent destroyed everything no longer assigned to it; <paramref name="epoch"/> is the
    /// epoch the node was fenced at. The answer is still fenced while its VMs are being failed over (call again later).
    /// Throws <see cref="ArgumentException"/> for a wrong epoch and <see cref="InvalidOperationException"/> when this agent
    /// instance is not the registered one.
    /// </summary>
    Task<NodeInfo> ConfirmFencedCleanupAsync(string node, string agentInstanceId, long epoch, CancellationToken ct);

    /// <summary>Every VM assigned to the node.</summary>
    Task<ImmutableArray<VmDesired>> GetAssignmentsAsync(string node, CancellationToken ct);

    /// <summary>The desired state of one VM, or null when it does not exist.</summary>
    Task<VmDesired?> GetDesiredAsync(VmId id, CancellationToken ct);

    /// <summary>Reports an observation; the answer carries what is wanted now.</summary>
    Task<ReportAck> ReportObservedAsync(VmObserved observed, CancellationToken ct);
}
