namespace Orvirt.NodeAgent.Libvirt;

/// <summary>libvirt's <c>virDomainInfo</c>; memory in KiB, CPU time in nanoseconds.</summary>
public sealed record DomainInfo(LibvirtDomainState State, ulong MaxMemoryKiB, ulong MemoryKiB, int VirtualCpus, ulong CpuTimeNs);
