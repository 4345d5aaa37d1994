using Orvirt.Api.V1;

namespace Orvirt.Client.Output;

/// <summary><c>orvirt vm describe</c>: spec, status, conditions and phase transitions, like <c>kubectl describe</c>.</summary>
public static class VmDescriber
{
    /// <summary>Writes the description of <paramref name="vm"/>.</summary>
    public static void Write(VirtualMachine vm, DateTimeOffset now, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var meta = vm.Metadata ?? new ObjectMeta();
        var spec = vm.Spec ?? new VirtualMachineSpec();
        var status = vm.Status ?? new VirtualMachineStatus();
        var cpu = spec.Cpu ?? new Cpu();

        Field(output, 0, "Name", meta.Name);
        Field(output, 0, "Namespace", meta.Namespace);
        Field(output, 0, "Labels", Labels(meta.Labels));
        Field(output, 0, "UID", meta.Uid);
        Field(output, 0, "Generation", meta.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(output, 0, "Created", When(meta.CreationTimestamp, now));
        if (meta.DeletionTimestamp is not null)
        {
            Field(output, 0, "Deleting Since", When(meta.DeletionTimestamp, now));
        }

        output.WriteLine("Spec:");
        Field(output, 1, "Run Strategy", string.IsNullOrEmpty(spec.RunStrategy) ? "Always" : spec.RunStrategy);
        Field(output, 1, "CPU", $"{VmTable.Vcpus(cpu)} vCPU ({cpu.Sockets} socket x {cpu.Cores} core x {cpu.Threads} thread)");
        Field(output, 1, "Memory", spec.Memory);
        Field(output, 1, "Termination Grace", spec.HasTerminationGracePeriodSeconds ? $"{spec.TerminationGracePeriodSeconds}s" : "30s (default)");
        Field(output, 1, "Node Selector", Labels(spec.NodeSelector));
        if (spec.Disks.Count == 0)
        {
            Field(output, 1, "Disks", "<none>");
        }
        else
        {
            output.WriteLine("  Disks:");
            var table = new TableWriter("NAME", "BUS", "SOURCE");
            foreach (var d in spec.Disks)
            {
                var source = d.SourceCase switch
                {
                    Disk.SourceOneofCase.EmptyDisk => $"emptyDisk {d.EmptyDisk.Capacity}",
                    Disk.SourceOneofCase.Image => $"image {d.Image.Path}",
                    _ => "<none>",
                };
                table.Add(d.Name, string.IsNullOrEmpty(d.Bus) ? "virtio" : d.Bus, source);
            }
            Indented(output, table, 4);
        }
        if (spec.Interfaces.Count == 0)
        {
            Field(output, 1, "Interfaces", "<none>");
        }
        else
        {
            output.WriteLine("  Interfaces:");
            var table = new TableWriter("NAME", "MODEL", "BINDING");
            foreach (var n in spec.Interfaces)
            {
                table.Add(n.Name, string.IsNullOrEmpty(n.Model) ? "virtio" : n.Model, string.IsNullOrEmpty(n.Binding) ? "user" : n.Binding);
            }
            Indented(output, table, 4);
        }

        output.WriteLine("Status:");
        Field(output, 1, "Printable Status", status.PrintableStatus);
        Field(output, 1, "Phase", status.Phase);
        Field(output, 1, "Ready", status.Ready ? "True" : "False");
        Field(output, 1, "Node", status.Node);
        Field(output, 1, "Hypervisor", status.Hypervisor);
        Field(output, 1, "Domain State", status.DomainState);
        Field(output, 1, "Instance ID", status.InstanceId);
        Field(output, 1, "Restart Count", status.RestartCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(output, 1, "Generations", $"desired {status.DesiredGeneration}, observed {status.ObservedGeneration}");
        if (status.StartFailure is { } failure)
        {
            output.WriteLine("  Start Failure:");
            Field(output, 2, "Consecutive", failure.ConsecutiveFailures.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Field(output, 2, "Reason", failure.Reason);
            Field(output, 2, "Last Failure", When(failure.LastFailureTime, now));
            Field(output, 2, "Retry After", VirtualMachineResource.FormatTime(failure.RetryAfter) ?? "<none>");
        }

        output.WriteLine("Conditions:");
        if (status.Conditions.Count == 0)
        {
            output.WriteLine("  <none>");
        }
        else
        {
            var table = new TableWriter("TYPE", "STATUS", "REASON", "LAST TRANSITION", "MESSAGE");
            foreach (var c in status.Conditions)
            {
                table.Add(c.Type, c.Status, Or(c.Reason), When(c.LastTransitionTime, now), Or(c.Message));
            }
            Indented(output, table, 2);
        }

        output.WriteLine("Phase Transitions:");
        if (status.PhaseTransitions.Count == 0)
        {
            output.WriteLine("  <none>");
        }
        else
        {
            var table = new TableWriter("PHASE", "TIME");
            foreach (var t in status.PhaseTransitions)
            {
                table.Add(t.Phase, When(t.Time, now));
            }
            Indented(output, table, 2);
        }
    }

    private static void Field(TextWriter output, int depth, string name, string value)
    {
        var indent = new string(' ', depth * 2);
        var label = $"{indent}{name}:";
        output.WriteLine($"{label.PadRight(22)}{(string.IsNullOrEmpty(value) ? "<none>" : value)}");
    }

    private static void Indented(TextWriter output, TableWriter table, int spaces)
    {
        using var buffer = new StringWriter();
        table.Write(buffer);
        var indent = new string(' ', spaces);
        foreach (var line in buffer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            output.WriteLine(indent + line.TrimEnd('\r'));
        }
    }

    private static string Labels(IEnumerable<KeyValuePair<string, string>> labels)
    {
        var pairs = labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}").ToList();
        return pairs.Count == 0 ? "<none>" : string.Join(",", pairs);
    }

    private static string When(Google.Protobuf.WellKnownTypes.Timestamp? time, DateTimeOffset now) =>
        VirtualMachineResource.FormatTime(time) is { } text ? $"{text} ({Age.Since(time, now)} ago)" : "<none>";

    private static string Or(string value) => string.IsNullOrEmpty(value) ? "<none>" : value;
}
