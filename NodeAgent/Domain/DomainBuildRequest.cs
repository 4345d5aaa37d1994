using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Domain;

/// <summary>Everything <see cref="DomainXmlBuilder"/> needs: the validated desired state and what the pod prepared.</summary>
/// <param name="Desired">The desired state; its spec must have passed <see cref="VmValidator"/>.</param>
/// <param name="DomainType">libvirt domain type: <c>kvm</c>, <c>qemu</c> (TCG) or <c>test</c>.</param>
/// <param name="Disks">Disk files in spec order.</param>
/// <param name="ConsoleLogPath">Where the serial console is written; null for no serial device.</param>
public sealed record DomainBuildRequest(VmDesired Desired, string DomainType, IReadOnlyList<PreparedDisk> Disks, string? ConsoleLogPath);
