using System.Collections.Immutable;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary><see cref="IControlPlane"/> over an Orleans client: <see cref="INodeGrain"/> and <see cref="IVirtualMachineGrain"/>.</summary>
public sealed class OrleansControlPlane(IClusterClient client) : IControlPlane
{
    /// <inheritdoc />
    public Task<NodeInfo> RegisterAsync(NodeRegistration registration, CancellationToken ct) =>
        client.GetGrain<INodeGrain>(registration.Name).RegisterAsync(registration).WaitAsync(ct);

    /// <inheritdoc />
    public Task<NodeInfo> HeartbeatAsync(string node, string agentInstanceId, CancellationToken ct) =>
        client.GetGrain<INodeGrain>(node).HeartbeatAsync(agentInstanceId).WaitAsync(ct);

    /// <inheritdoc />
    public Task<NodeInfo> ConfirmFencedCleanupAsync(string node, string agentInstanceId, long epoch, CancellationToken ct) =>
        client.GetGrain<INodeGrain>(node).ConfirmFencedCleanupAsync(agentInstanceId, epoch).WaitAsync(ct);

    /// <inheritdoc />
    public Task<ImmutableArray<VmDesired>> GetAssignmentsAsync(string node, CancellationToken ct) =>
        client.GetGrain<INodeGrain>(node).GetAssignmentsAsync().WaitAsync(ct);

    /// <inheritdoc />
    public Task<VmDesired?> GetDesiredAsync(VmId id, CancellationToken ct) =>
        client.GetGrain<IVirtualMachineGrain>(id.Key).GetDesiredAsync().WaitAsync(ct);

    /// <inheritdoc />
    public Task<ReportAck> ReportObservedAsync(VmObserved observed, CancellationToken ct) =>
        client.GetGrain<IVirtualMachineGrain>(observed.Id.Key).ReportObservedAsync(observed).WaitAsync(ct);
}
