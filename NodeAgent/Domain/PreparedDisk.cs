namespace Orvirt.NodeAgent.Domain;

/// <summary>A disk file ready for the domain: its spec name, host path, bus and format.</summary>
public sealed record PreparedDisk(string Name, string Path, string Bus, string Format = "qcow2");
