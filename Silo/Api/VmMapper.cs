using System.Collections.Immutable;
using Google.Protobuf.Collections;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Orvirt.Api.V1;
using Orvirt.Interfaces;
using ProtoCpu = Orvirt.Api.V1.Cpu;
using ProtoDisk = Orvirt.Api.V1.Disk;
using ProtoInterface = Orvirt.Api.V1.Interface;
using ProtoStartFailure = Orvirt.Api.V1.StartFailure;

namespace Orvirt.Silo.Api;

/// <summary>
/// Maps between the <c>orvirt.v1</c> messages and the model in <c>Interfaces/</c>. Mapping never throws:
/// what cannot be mapped becomes a <see cref="Interfaces.FieldViolation"/> naming the field and the fix.
/// </summary>
public static class VmMapper
{
    /// <summary>The VM's identity; an empty namespace means <see cref="OrvirtNames.DefaultNamespace"/>.</summary>
    public static VmId ToId(string? @namespace, string? name) =>
        new(string.IsNullOrEmpty(@namespace) ? OrvirtNames.DefaultNamespace : @namespace, name ?? "");

    /// <summary>
    /// Maps a spec and labels. Defaults: no spec or empty memory → 128Mi; empty run strategy → Always; no cpu →
    /// 1 socket x 1 core x 1 thread; in a given cpu, sockets and threads 0 mean 1 while cores is taken as is;
    /// empty disk bus → virtio; empty interface model → virtio and binding → user; no grace period → 30 s.
    /// </summary>
    public static VmSpec ToSpec(VirtualMachineSpec? proto, MapField<string, string> labels, List<Interfaces.FieldViolation> errors)
    {
        var spec = new VmSpec { Labels = labels.ToImmutableDictionary(StringComparer.Ordinal) };
        if (proto is null)
        {
            return spec;
        }
        spec = spec with
        {
            RunStrategy = ParseRunStrategy(proto.RunStrategy, errors),
            Cpu = proto.Cpu is null
                ? new CpuTopology()
                : new CpuTopology { Sockets = proto.Cpu.Sockets == 0 ? 1 : proto.Cpu.Sockets, Cores = proto.Cpu.Cores, Threads = proto.Cpu.Threads == 0 ? 1 : proto.Cpu.Threads },
            MemoryBytes = ParseMemory(proto.Memory, errors),
            Disks = [.. proto.Disks.Select((d, i) => ToDisk(d, i, errors))],
            Interfaces = [.. proto.Interfaces.Select(n => new InterfaceSpec
            {
                Name = n.Name,
                Model = string.IsNullOrEmpty(n.Model) ? "virtio" : n.Model,
                Binding = string.IsNullOrEmpty(n.Binding) ? "user" : n.Binding,
            })],
            NodeSelector = proto.NodeSelector.ToImmutableDictionary(StringComparer.Ordinal),
            TerminationGracePeriodSeconds = proto.HasTerminationGracePeriodSeconds ? proto.TerminationGracePeriodSeconds : 30,
        };
        return spec;
    }

    /// <summary>The VM as the API shows it.</summary>
    public static VirtualMachine ToProto(VmSnapshot vm)
    {
        var meta = new ObjectMeta
        {
            Namespace = vm.Namespace,
            Name = vm.Name,
            Uid = vm.Uid,
            Generation = vm.Generation,
            CreationTimestamp = Timestamp.FromDateTimeOffset(vm.CreatedAt),
            ResourceVersion = vm.ResourceVersion,
        };
        meta.Labels.Add(vm.Spec.Labels);
        if (vm.DeletionRequestedAt is { } deleting)
        {
            meta.DeletionTimestamp = Timestamp.FromDateTimeOffset(deleting);
        }
        return new VirtualMachine { Metadata = meta, Spec = ToProto(vm.Spec), Status = ToProto(vm.Status) };
    }

    /// <summary>A VM known only by its identity (e.g. one that is already gone after a delete).</summary>
    public static VirtualMachine ToProto(VmId id) =>
        new() { Metadata = new ObjectMeta { Namespace = id.Namespace, Name = id.Name } };

    public static VirtualMachineSpec ToProto(VmSpec spec)
    {
        var proto = new VirtualMachineSpec
        {
            RunStrategy = spec.RunStrategy.ToString(),
            Cpu = new ProtoCpu { Sockets = spec.Cpu.Sockets, Cores = spec.Cpu.Cores, Threads = spec.Cpu.Threads },
            Memory = Quantity.FormatBytes(spec.MemoryBytes),
            TerminationGracePeriodSeconds = spec.TerminationGracePeriodSeconds,
        };
        foreach (var d in spec.Disks)
        {
            var disk = new ProtoDisk { Name = d.Name, Bus = d.Bus };
            if (d.Source == DiskSource.Image)
            {
                disk.Image = new ImageDisk { Path = d.ImagePath ?? "" };
            }
            else
            {
                disk.EmptyDisk = new EmptyDisk { Capacity = Quantity.FormatBytes(d.SizeBytes) };
            }
            proto.Disks.Add(disk);
        }
        proto.Interfaces.Add(spec.Interfaces.Select(n => new ProtoInterface { Name = n.Name, Model = n.Model, Binding = n.Binding }));
        proto.NodeSelector.Add(spec.NodeSelector);
        return proto;
    }

    public static VirtualMachineStatus ToProto(VmStatus status)
    {
        var proto = new VirtualMachineStatus
        {
            PrintableStatus = status.PrintableStatus.ToString(),
            Phase = status.Phase.ToString(),
            Node = status.Node ?? "",
            ObservedGeneration = status.ObservedGeneration,
            DesiredGeneration = status.DesiredGeneration,
            InstanceId = status.InstanceId,
            RestartCount = status.RestartCount,
            Hypervisor = status.Hypervisor?.ToString() ?? "",
            Ready = status.IsTrue(ConditionTypes.Ready),
            DomainState = status.DomainState.ToString(),
        };
        foreach (var c in status.Conditions)
        {
            proto.Conditions.Add(new Condition
            {
                Type = c.Type,
                Status = c.Status.ToString(),
                Reason = c.Reason,
                Message = c.Message,
                LastTransitionTime = Timestamp.FromDateTimeOffset(c.LastTransitionTime),
            });
        }
        if (status.StartFailure is { } f)
        {
            proto.StartFailure = new ProtoStartFailure
            {
                ConsecutiveFailures = f.ConsecutiveFailures,
                LastFailureTime = Timestamp.FromDateTimeOffset(f.LastFailureAt),
                RetryAfter = Timestamp.FromDateTimeOffset(f.RetryAfter),
                Reason = f.Reason,
            };
        }
        foreach (var t in status.PhaseTransitions)
        {
            proto.PhaseTransitions.Add(new Orvirt.Api.V1.PhaseTransition { Phase = t.Phase.ToString(), Time = Timestamp.FromDateTimeOffset(t.At) });
        }
        return proto;
    }

    public static Node ToProto(NodeInfo node)
    {
        var proto = new Node
        {
            Name = node.Name,
            Ready = node.Ready,
            Reason = node.Reason,
            Allocatable = new Resources { Vcpus = node.Allocatable.Vcpus, MemoryBytes = node.Allocatable.MemoryBytes },
            Allocated = new Resources { Vcpus = node.Allocated.Vcpus, MemoryBytes = node.Allocated.MemoryBytes },
            Hypervisor = node.Hypervisor.ToString(),
            PodRuntime = node.PodRuntime,
            VmCount = node.VmCount,
            Fenced = node.Fenced,
        };
        proto.Labels.Add(node.Labels);
        if (node.LastHeartbeat is { } hb)
        {
            proto.LastHeartbeat = Timestamp.FromDateTimeOffset(hb);
        }
        return proto;
    }

    private static RunStrategy ParseRunStrategy(string text, List<Interfaces.FieldViolation> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return RunStrategy.Always;
        }
        foreach (var value in Enum.GetValues<RunStrategy>())
        {
            if (string.Equals(value.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        errors.Add(new("spec.runStrategy", $"'{VmValidator.Printable(text)}' is not a run strategy; use one of {string.Join(", ", Enum.GetNames<RunStrategy>())}"));
        return RunStrategy.Always;
    }

    private static long ParseMemory(string text, List<Interfaces.FieldViolation> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return new VmSpec().MemoryBytes;
        }
        if (Quantity.TryParseBytes(text, out var bytes))
        {
            return bytes;
        }
        errors.Add(new("spec.memory", $"'{VmValidator.Printable(text)}' is not a memory quantity; use a whole number with an optional suffix Ki, Mi, Gi, Ti, k, M, G or T, e.g. '128Mi' or '2Gi'"));
        return new VmSpec().MemoryBytes;
    }

    private static DiskSpec ToDisk(ProtoDisk d, int index, List<Interfaces.FieldViolation> errors)
    {
        var disk = new DiskSpec { Name = d.Name, Bus = string.IsNullOrEmpty(d.Bus) ? "virtio" : d.Bus };
        switch (d.SourceCase)
        {
            case ProtoDisk.SourceOneofCase.Image:
                return disk with { Source = DiskSource.Image, ImagePath = d.Image.Path };
            case ProtoDisk.SourceOneofCase.EmptyDisk:
                if (!Quantity.TryParseBytes(d.EmptyDisk.Capacity, out var size))
                {
                    errors.Add(new($"spec.disks[{index}].capacity", $"'{VmValidator.Printable(d.EmptyDisk.Capacity)}' is not a capacity; use a quantity such as '1Gi'"));
                    size = ValidationLimits.Mi;
                }
                return disk with { Source = DiskSource.EmptyDisk, SizeBytes = size };
            default:
                errors.Add(new($"spec.disks[{index}].source", "a disk needs a source: set emptyDisk (with a capacity such as '1Gi') or image (a path in the node's image folder)"));
                return disk with { Source = DiskSource.EmptyDisk, SizeBytes = ValidationLimits.Mi };
        }
    }
}
