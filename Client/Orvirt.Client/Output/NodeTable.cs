using System.Globalization;
using Orvirt.Api.V1;

namespace Orvirt.Client.Output;

/// <summary>The <c>orvirt node list</c> table.</summary>
public static class NodeTable
{
    /// <summary>Writes NAME, STATUS, HYPERVISOR, RUNTIME, VMS, CPU (allocated/allocatable), MEMORY, HEARTBEAT.</summary>
    public static void Write(IReadOnlyCollection<Node> nodes, DateTimeOffset now, TextWriter output, TextWriter messages)
    {
        if (nodes.Count == 0)
        {
            messages.WriteLine("No nodes found; start a node agent (orvirt-agent) pointing at this control plane.");
            return;
        }
        var table = new TableWriter("NAME", "STATUS", "HYPERVISOR", "RUNTIME", "VMS", "CPU", "MEMORY", "HEARTBEAT");
        foreach (var n in nodes)
        {
            var status = n.Fenced ? "Fenced" : n.Ready ? "Ready" : "NotReady";
            table.Add(
                n.Name,
                status,
                Or(n.Hypervisor),
                Or(n.PodRuntime),
                n.VmCount.ToString(CultureInfo.InvariantCulture),
                $"{n.Allocated?.Vcpus ?? 0}/{n.Allocatable?.Vcpus ?? 0}",
                $"{Quantities.FormatBytes(n.Allocated?.MemoryBytes ?? 0)}/{Quantities.FormatBytes(n.Allocatable?.MemoryBytes ?? 0)}",
                n.LastHeartbeat is null ? "<never>" : Age.Since(n.LastHeartbeat, now) + " ago");
        }
        table.Write(output);
    }

    private static string Or(string value) => string.IsNullOrEmpty(value) ? "<none>" : value;
}
