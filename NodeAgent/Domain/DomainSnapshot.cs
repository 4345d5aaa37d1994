using Orvirt.NodeAgent.Libvirt;

namespace Orvirt.NodeAgent.Domain;

/// <summary>One domain as libvirt reported it, with the agent's metadata when the agent made it.</summary>
public sealed record DomainSnapshot(string Name, string Uuid, LibvirtDomainState State, int Reason, DomainMetadata? Metadata, uint? Id);
