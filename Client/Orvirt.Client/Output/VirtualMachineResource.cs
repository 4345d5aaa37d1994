using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Orvirt.Api.V1;
using Orvirt.Client.Manifests;

namespace Orvirt.Client.Output;

/// <summary>
/// The VM as a resource shaped like the manifests <see cref="VirtualMachineManifest"/> reads (KubeVirt's shape),
/// so that <c>orvirt vm get NAME -o yaml</c> can be edited and applied back.
/// </summary>
public static class VirtualMachineResource
{
    /// <summary>The resource tree for one VM.</summary>
    public static JsonObject ToNode(VirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return new JsonObject
        {
            ["apiVersion"] = VirtualMachineManifest.OrvirtApiVersion,
            ["kind"] = VirtualMachineManifest.Kind,
            ["metadata"] = Metadata(vm.Metadata ?? new ObjectMeta()),
            ["spec"] = Spec(vm.Spec ?? new VirtualMachineSpec()),
            ["status"] = Status(vm.Status ?? new VirtualMachineStatus()),
        };
    }

    /// <summary>A Kubernetes-style <c>List</c> of VMs.</summary>
    public static JsonObject ToListNode(IEnumerable<VirtualMachine> vms) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "List",
        ["items"] = new JsonArray([.. vms.Select(v => (JsonNode)ToNode(v))]),
    };

    /// <summary>RFC 3339 in UTC, seconds precision, like Kubernetes.</summary>
    public static string? FormatTime(Timestamp? time) =>
        time is null ? null : time.ToDateTimeOffset().ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static JsonObject Metadata(ObjectMeta meta)
    {
        var node = new JsonObject
        {
            ["name"] = meta.Name,
            ["namespace"] = meta.Namespace,
            ["uid"] = meta.Uid,
            ["generation"] = meta.Generation,
            ["resourceVersion"] = meta.ResourceVersion.ToString(CultureInfo.InvariantCulture),
        };
        AddIf(node, "creationTimestamp", FormatTime(meta.CreationTimestamp));
        AddIf(node, "deletionTimestamp", FormatTime(meta.DeletionTimestamp));
        if (meta.Labels.Count > 0)
        {
            node["labels"] = Map(meta.Labels);
        }
        return node;
    }

    private static JsonObject Spec(VirtualMachineSpec spec)
    {
        var cpu = spec.Cpu ?? new Cpu();
        var disks = new JsonArray();
        var volumes = new JsonArray();
        foreach (var d in spec.Disks)
        {
            disks.Add(new JsonObject { ["name"] = d.Name, ["disk"] = new JsonObject { ["bus"] = d.Bus.Length == 0 ? "virtio" : d.Bus } });
            var volume = new JsonObject { ["name"] = d.Name };
            switch (d.SourceCase)
            {
                case Disk.SourceOneofCase.EmptyDisk:
                    volume["emptyDisk"] = new JsonObject { ["capacity"] = d.EmptyDisk.Capacity };
                    break;
                case Disk.SourceOneofCase.Image:
                    volume["image"] = new JsonObject { ["path"] = d.Image.Path };
                    break;
            }
            volumes.Add(volume);
        }
        var interfaces = new JsonArray();
        var networks = new JsonArray();
        foreach (var n in spec.Interfaces)
        {
            interfaces.Add(new JsonObject { ["name"] = n.Name, ["model"] = n.Model.Length == 0 ? "virtio" : n.Model, ["masquerade"] = new JsonObject() });
            networks.Add(new JsonObject { ["name"] = n.Name, ["pod"] = new JsonObject() });
        }

        var devices = new JsonObject();
        if (disks.Count > 0)
        {
            devices["disks"] = disks;
        }
        if (interfaces.Count > 0)
        {
            devices["interfaces"] = interfaces;
        }
        var domain = new JsonObject
        {
            ["cpu"] = new JsonObject { ["sockets"] = cpu.Sockets, ["cores"] = cpu.Cores, ["threads"] = cpu.Threads },
            ["memory"] = new JsonObject { ["guest"] = spec.Memory },
        };
        if (devices.Count > 0)
        {
            domain["devices"] = devices;
        }
        var vmiSpec = new JsonObject { ["domain"] = domain };
        if (networks.Count > 0)
        {
            vmiSpec["networks"] = networks;
        }
        if (volumes.Count > 0)
        {
            vmiSpec["volumes"] = volumes;
        }
        if (spec.NodeSelector.Count > 0)
        {
            vmiSpec["nodeSelector"] = Map(spec.NodeSelector);
        }
        if (spec.HasTerminationGracePeriodSeconds)
        {
            vmiSpec["terminationGracePeriodSeconds"] = spec.TerminationGracePeriodSeconds;
        }
        return new JsonObject
        {
            ["runStrategy"] = spec.RunStrategy.Length == 0 ? "Always" : spec.RunStrategy,
            ["template"] = new JsonObject { ["spec"] = vmiSpec },
        };
    }

    private static JsonObject Status(VirtualMachineStatus status)
    {
        var node = new JsonObject
        {
            ["printableStatus"] = status.PrintableStatus,
            ["phase"] = status.Phase,
            ["ready"] = status.Ready,
        };
        AddIf(node, "node", status.Node);
        AddIf(node, "hypervisor", status.Hypervisor);
        AddIf(node, "domainState", status.DomainState);
        AddIf(node, "instanceId", status.InstanceId);
        node["observedGeneration"] = status.ObservedGeneration;
        node["desiredGeneration"] = status.DesiredGeneration;
        node["restartCount"] = status.RestartCount;
        if (status.Conditions.Count > 0)
        {
            node["conditions"] = new JsonArray([.. status.Conditions.Select(c =>
            {
                var condition = new JsonObject { ["type"] = c.Type, ["status"] = c.Status };
                AddIf(condition, "reason", c.Reason);
                AddIf(condition, "message", c.Message);
                AddIf(condition, "lastTransitionTime", FormatTime(c.LastTransitionTime));
                return (JsonNode)condition;
            })]);
        }
        if (status.StartFailure is { } failure)
        {
            var f = new JsonObject { ["consecutiveFailures"] = failure.ConsecutiveFailures };
            AddIf(f, "lastFailureTime", FormatTime(failure.LastFailureTime));
            AddIf(f, "retryAfter", FormatTime(failure.RetryAfter));
            AddIf(f, "reason", failure.Reason);
            node["startFailure"] = f;
        }
        if (status.PhaseTransitions.Count > 0)
        {
            node["phaseTransitionTimestamps"] = new JsonArray([.. status.PhaseTransitions.Select(t =>
            {
                var transition = new JsonObject { ["phase"] = t.Phase };
                AddIf(transition, "phaseTransitionTimestamp", FormatTime(t.Time));
                return (JsonNode)transition;
            })]);
        }
        return node;
    }

    private static JsonObject Map(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var node = new JsonObject();
        foreach (var (k, v) in pairs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            node[k] = v;
        }
        return node;
    }

    private static void AddIf(JsonObject node, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            node[key] = value;
        }
    }
}
