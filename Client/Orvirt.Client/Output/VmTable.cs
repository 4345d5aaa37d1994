using System.Globalization;
using Orvirt.Api.V1;

namespace Orvirt.Client.Output;

/// <summary>The <c>orvirt vm list</c> table: [NAMESPACE,] NAME, STATUS, READY, NODE, CPU, MEMORY, AGE.</summary>
public static class VmTable
{
    /// <summary>The column headers.</summary>
    public static string[] Headers(bool allNamespaces) =>
        allNamespaces
            ? ["NAMESPACE", "NAME", "STATUS", "READY", "NODE", "CPU", "MEMORY", "AGE"]
            : ["NAME", "STATUS", "READY", "NODE", "CPU", "MEMORY", "AGE"];

    /// <summary>The cells of one VM's row.</summary>
    public static string[] Row(VirtualMachine vm, bool allNamespaces, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var meta = vm.Metadata ?? new ObjectMeta();
        var status = vm.Status ?? new VirtualMachineStatus();
        var spec = vm.Spec ?? new VirtualMachineSpec();
        string[] cells =
        [
            meta.Name,
            Or(status.PrintableStatus, "Unknown"),
            status.Ready ? "True" : "False",
            Or(status.Node, "<none>"),
            Vcpus(spec.Cpu).ToString(CultureInfo.InvariantCulture),
            Or(spec.Memory, "<none>"),
            Age.Since(meta.CreationTimestamp, now),
        ];
        return allNamespaces ? [meta.Namespace, .. cells] : cells;
    }

    /// <summary>Writes the table, or <c>No resources found ...</c> when there is nothing.</summary>
    public static void Write(IReadOnlyCollection<VirtualMachine> vms, bool allNamespaces, string @namespace, DateTimeOffset now, TextWriter output, TextWriter messages)
    {
        if (vms.Count == 0)
        {
            messages.WriteLine(allNamespaces ? "No virtual machines found." : $"No virtual machines found in namespace {@namespace}.");
            return;
        }
        var table = new TableWriter(Headers(allNamespaces));
        foreach (var vm in vms)
        {
            table.Add(Row(vm, allNamespaces, now));
        }
        table.Write(output);
    }

    /// <summary>sockets x cores x threads; 0 when unset.</summary>
    public static long Vcpus(Cpu? cpu) => cpu is null ? 0 : (long)Math.Max(cpu.Sockets, 1) * Math.Max(cpu.Cores, 1) * Math.Max(cpu.Threads, 1);

    private static string Or(string value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;
}
