using Orvirt.Interfaces;
using Orvirt.NodeAgent.Domain;

namespace Orvirt.NodeAgent.Agent;

/// <summary>What the agent last learned about a VM's domain (from lifecycle events, adoption, or its own actions).</summary>
/// <param name="State">The domain's state; <see cref="DomainState.Absent"/> when there is no domain.</param>
/// <param name="Reason">A CamelCase reason such as <c>Crashed</c> or <c>GuestShutdown</c>.</param>
/// <param name="InstanceId">The run the domain belongs to (from its metadata); empty when unknown.</param>
public sealed record ObservedDomain(DomainState State, string Reason, string Message, string InstanceId, DomainMetadata? Metadata = null)
{
    /// <summary>No domain.</summary>
    public static readonly ObservedDomain Absent = new(DomainState.Absent, "", "", "");

    /// <summary>True when a domain exists (in any state).</summary>
    public bool Exists => State != DomainState.Absent;

    /// <summary>True when QEMU runs (running, paused or shutting down).</summary>
    public bool IsActive => State is DomainState.Running or DomainState.Paused or DomainState.ShuttingDown or DomainState.Starting;
}
