using System.Collections.Immutable;

namespace Orvirt.Interfaces;

/// <summary>The desired shape of a VM: what the user asked for. Every change bumps the VM's generation.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.VmSpec")]
public sealed record VmSpec
{
    [Id(0)] public RunStrategy RunStrategy { get; init; } = RunStrategy.Always;
    [Id(1)] public CpuTopology Cpu { get; init; } = new();
    /// <summary>Guest memory in bytes.</summary>
    [Id(2)] public long MemoryBytes { get; init; } = 128L * 1024 * 1024;
    [Id(3)] public ImmutableArray<DiskSpec> Disks { get; init; } = [];
    [Id(4)] public ImmutableArray<InterfaceSpec> Interfaces { get; init; } = [];
    [Id(5)] public ImmutableDictionary<string, string> NodeSelector { get; init; } = ImmutableDictionary<string, string>.Empty;
    /// <summary>Labels of the VM (metadata; a change does not bump the generation).</summary>
    [Id(6)] public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;
    /// <summary>How long a graceful stop waits for the guest before the domain is destroyed.</summary>
    [Id(7)] public int TerminationGracePeriodSeconds { get; init; } = 30;

    /// <summary>True when the parts that define the running machine are equal (labels excluded).</summary>
    public bool SameMachineAs(VmSpec other) =>
        RunStrategy == other.RunStrategy && SameHardwareAs(other);

    /// <summary>True when a running domain would not need a restart to match <paramref name="other"/>.</summary>
    public bool SameHardwareAs(VmSpec other) =>
        Cpu == other.Cpu
        && MemoryBytes == other.MemoryBytes
        && TerminationGracePeriodSeconds == other.TerminationGracePeriodSeconds
        && Disks.SequenceEqual(other.Disks)
        && Interfaces.SequenceEqual(other.Interfaces)
        && DictionaryEquals(NodeSelector, other.NodeSelector);

    private static bool DictionaryEquals(ImmutableDictionary<string, string> a, ImmutableDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

/// <summary>vCPU topology; the guest sees sockets x cores x threads vCPUs.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.CpuTopology")]
public sealed record CpuTopology
{
    [Id(0)] public int Sockets { get; init; } = 1;
    [Id(1)] public int Cores { get; init; } = 1;
    [Id(2)] public int Threads { get; init; } = 1;

    public int Vcpus => Sockets * Cores * Threads;
}

/// <summary>Where a disk's content comes from.</summary>
public enum DiskSource
{
    /// <summary>A blank qcow2 disk created in the pod folder (KubeVirt's <c>emptyDisk</c>).</summary>
    EmptyDisk = 0,
    /// <summary>A copy-on-write overlay on a base image in the node's image folder.</summary>
    Image = 1,
}

[GenerateSerializer, Immutable, Alias("orvirt.DiskSpec")]
public sealed record DiskSpec
{
    [Id(0)] public string Name { get; init; } = "";
    [Id(1)] public DiskSource Source { get; init; }
    /// <summary>For <see cref="DiskSource.Image"/>: a path relative to the node's image folder.</summary>
    [Id(2)] public string? ImagePath { get; init; }
    /// <summary>For <see cref="DiskSource.EmptyDisk"/>: capacity in bytes.</summary>
    [Id(3)] public long SizeBytes { get; init; }
    /// <summary>virtio, sata or scsi.</summary>
    [Id(4)] public string Bus { get; init; } = "virtio";
}

[GenerateSerializer, Immutable, Alias("orvirt.InterfaceSpec")]
public sealed record InterfaceSpec
{
    [Id(0)] public string Name { get; init; } = "default";
    /// <summary>virtio or e1000.</summary>
    [Id(1)] public string Model { get; init; } = "virtio";
    /// <summary>Only <c>user</c> (slirp) networking is supported.</summary>
    [Id(2)] public string Binding { get; init; } = "user";
}
