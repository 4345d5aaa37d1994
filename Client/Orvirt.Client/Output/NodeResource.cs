using System.Text.Json.Nodes;
using Orvirt.Api.V1;

namespace Orvirt.Client.Output;

/// <summary>A node as a JSON/YAML tree for <c>orvirt node list -o json|yaml</c>.</summary>
public static class NodeResource
{
    /// <summary>The tree for one node.</summary>
    public static JsonObject ToNode(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var result = new JsonObject
        {
            ["name"] = node.Name,
            ["ready"] = node.Ready,
            ["fenced"] = node.Fenced,
            ["hypervisor"] = node.Hypervisor,
            ["podRuntime"] = node.PodRuntime,
            ["vmCount"] = node.VmCount,
            ["allocatable"] = Resources(node.Allocatable),
            ["allocated"] = Resources(node.Allocated),
        };
        if (node.Reason.Length > 0)
        {
            result["reason"] = node.Reason;
        }
        if (VirtualMachineResource.FormatTime(node.LastHeartbeat) is { } heartbeat)
        {
            result["lastHeartbeat"] = heartbeat;
        }
        if (node.Labels.Count > 0)
        {
            var labels = new JsonObject();
            foreach (var (k, v) in node.Labels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                labels[k] = v;
            }
            result["labels"] = labels;
        }
        return result;
    }

    /// <summary>A Kubernetes-style <c>List</c> of nodes.</summary>
    public static JsonObject ToListNode(IEnumerable<Node> nodes) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "List",
        ["items"] = new JsonArray([.. nodes.Select(n => (JsonNode)ToNode(n))]),
    };

    private static JsonObject Resources(Resources? r) => new()
    {
        ["vcpus"] = r?.Vcpus ?? 0,
        ["memory"] = Quantities.FormatBytes(r?.MemoryBytes ?? 0),
    };
}
