using System.Globalization;
using System.Text.Json.Nodes;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Kubernetes;

/// <summary>Writes a <see cref="VmSpec"/> as a VirtualMachine CR (for VMs made or changed through the gRPC API).</summary>
internal static class CrSpecWriter
{
    public static JsonObject ToCr(VmId id, VmSpec spec) => new()
    {
        ["apiVersion"] = VirtualMachineResource.ApiVersion,
        ["kind"] = VirtualMachineResource.Kind,
        ["metadata"] = new JsonObject
        {
            ["name"] = id.Name,
            ["namespace"] = id.Namespace,
            ["labels"] = Map(spec.Labels),
            ["finalizers"] = new JsonArray(VirtualMachineResource.Finalizer),
        },
        ["spec"] = ToSpec(spec),
    };

    public static JsonObject ToSpec(VmSpec spec)
    {
        var disks = new JsonArray();
        var volumes = new JsonArray();
        foreach (var d in spec.Disks)
        {
            disks.Add(new JsonObject { ["name"] = d.Name, ["disk"] = new JsonObject { ["bus"] = d.Bus } });
            volumes.Add(d.Source == DiskSource.Image
                ? new JsonObject { ["name"] = d.Name, ["image"] = new JsonObject { ["path"] = d.ImagePath } }
                : new JsonObject { ["name"] = d.Name, ["emptyDisk"] = new JsonObject { ["capacity"] = Quantity.FormatBytes(d.SizeBytes) } });
        }
        var interfaces = new JsonArray();
        var networks = new JsonArray();
        foreach (var n in spec.Interfaces)
        {
            interfaces.Add(new JsonObject { ["name"] = n.Name, ["model"] = n.Model, ["masquerade"] = new JsonObject() });
            networks.Add(new JsonObject { ["name"] = n.Name, ["pod"] = new JsonObject() });
        }
        var templateSpec = new JsonObject
        {
            ["terminationGracePeriodSeconds"] = (long)spec.TerminationGracePeriodSeconds,
            ["domain"] = new JsonObject
            {
                ["cpu"] = new JsonObject { ["sockets"] = spec.Cpu.Sockets, ["cores"] = spec.Cpu.Cores, ["threads"] = spec.Cpu.Threads },
                ["memory"] = new JsonObject { ["guest"] = Quantity.FormatBytes(spec.MemoryBytes) },
                ["devices"] = new JsonObject { ["disks"] = disks, ["interfaces"] = interfaces },
            },
            ["networks"] = networks,
            ["volumes"] = volumes,
        };
        if (spec.NodeSelector.Count > 0)
        {
            templateSpec["nodeSelector"] = Map(spec.NodeSelector);
        }
        return new JsonObject
        {
            ["runStrategy"] = spec.RunStrategy.ToString(),
            ["template"] = new JsonObject { ["spec"] = templateSpec },
        };
    }

    private static JsonObject Map(IReadOnlyDictionary<string, string> values)
    {
        var obj = new JsonObject();
        foreach (var (k, v) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            obj[k] = v;
        }
        return obj;
    }

    internal static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
