using Orvirt.Api.V1;
using YamlDotNet.RepresentationModel;

namespace Orvirt.Client.Manifests;

/// <summary>
/// Converts a VirtualMachine resource, shaped like KubeVirt's <c>kubevirt.io/v1</c> VirtualMachine, into an
/// <see cref="ApplyRequest"/>. Independent of the CLI: the CRD sync uses it too (JSON is YAML, so a JSON
/// object converts the same way).
/// </summary>
/// <remarks>
/// Mapping (every other field present in the document is reported by its path, never dropped):
/// <list type="bullet">
/// <item><c>apiVersion</c> <c>orvirt.io/v1alpha1</c> or <c>kubevirt.io/v1</c>; <c>kind: VirtualMachine</c>.</item>
/// <item><c>metadata.name</c>, <c>.namespace</c>, <c>.labels</c>. Server-owned metadata (uid, resourceVersion,
/// generation, creationTimestamp, deletionTimestamp, finalizers, managedFields, ownerReferences, selfLink) and
/// annotations are ignored; so is <c>status</c>.</item>
/// <item><c>spec.runStrategy</c>; legacy <c>spec.running</c> (true = Always, false = Halted); both set is an error;
/// neither means the API default (Always).</item>
/// <item><c>spec.template.metadata.labels</c> are added to the VM's labels (a differing value for the same key is an error).</item>
/// <item><c>domain.cpu.{sockets,cores,threads}</c> (each defaults to 1); <c>domain.memory.guest</c>, or
/// <c>domain.resources.requests.memory</c> when guest is absent.</item>
/// <item><c>domain.devices.disks[].{name, disk.bus}</c> joined by name with <c>volumes[]</c>:
/// <c>emptyDisk.capacity</c>, or the orvirt extension <c>image.path</c> (a base image relative to the node's image
/// folder, used through a copy-on-write overlay). <c>containerDisk</c> and other sources are refused with that hint.</item>
/// <item><c>domain.devices.interfaces[].{name, model}</c> with <c>masquerade: {}</c> (or <c>slirp: {}</c>) mapping to
/// orvirt's user networking; <c>networks[]</c> may list <c>pod: {}</c> networks by the same names.</item>
/// <item><c>nodeSelector</c>, <c>terminationGracePeriodSeconds</c>.</item>
/// </list>
/// </remarks>
public static class VirtualMachineManifest
{
    /// <summary>orvirt's own API version.</summary>
    public const string OrvirtApiVersion = "orvirt.io/v1alpha1";

    /// <summary>KubeVirt's API version, accepted so that KubeVirt manifests apply unchanged.</summary>
    public const string KubeVirtApiVersion = "kubevirt.io/v1";

    /// <summary>The only kind.</summary>
    public const string Kind = "VirtualMachine";

    private static readonly string[] IgnoredMetadata =
    [
        "annotations", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "finalizers", "managedFields", "ownerReferences", "selfLink",
    ];

    /// <summary>Converts one parsed document. <paramref name="index"/> only labels the result.</summary>
    public static ManifestDocument Convert(YamlNode document, ManifestOptions? options = null, int index = 0)
    {
        ArgumentNullException.ThrowIfNull(document);
        options ??= ManifestOptions.Default;
        var problems = new List<ManifestProblem>();
        var line = YamlObject.LineOf(document);
        if (document is not YamlMappingNode mapping)
        {
            problems.Add(new("(document)", $"must be a VirtualMachine mapping with apiVersion, kind, metadata and spec", line));
            return new ManifestDocument(index, line, null, problems);
        }

        var root = new YamlObject(mapping, "", problems);
        var apiVersion = root.String("apiVersion");
        var kind = root.String("kind");
        if (apiVersion is not (OrvirtApiVersion or KubeVirtApiVersion))
        {
            problems.Add(new("apiVersion", apiVersion is null
                ? $"is missing; set apiVersion: {OrvirtApiVersion}"
                : $"'{YamlObject.Printable(apiVersion)}' is not supported; use {OrvirtApiVersion} (or {KubeVirtApiVersion})", root.Line));
        }
        if (kind != Kind)
        {
            problems.Add(new("kind", kind is null
                ? $"is missing; set kind: {Kind}"
                : $"'{YamlObject.Printable(kind)}' is not supported; only kind: {Kind} can be applied", root.Line));
        }
        if (problems.Count > 0)
        {
            return new ManifestDocument(index, line, null, problems);
        }

        var request = new ApplyRequest { Spec = new VirtualMachineSpec() };
        ReadMetadata(root, request, options, problems);
        root.Ignore("status");
        if (root.Object("spec") is { } spec)
        {
            ReadSpec(spec, request, problems);
        }
        else
        {
            problems.Add(new("spec", "is missing; a VirtualMachine needs spec.template.spec.domain with cpu and memory", root.Line));
        }
        root.RejectUnknown("apiVersion, kind, metadata, spec, status");
        return problems.Count == 0
            ? new ManifestDocument(index, line, request, problems)
            : new ManifestDocument(index, line, null, problems);
    }

    private static void ReadMetadata(YamlObject root, ApplyRequest request, ManifestOptions options, List<ManifestProblem> problems)
    {
        var metadata = root.Object("metadata");
        if (metadata is null)
        {
            problems.Add(new("metadata", "is missing; set metadata.name, e.g. 'name: my-vm'", root.Line));
            return;
        }
        request.Name = metadata.String("name") ?? "";
        if (request.Name.Length == 0)
        {
            problems.Add(new("metadata.name", "is missing; name the VM, e.g. 'name: my-vm'", metadata.Line));
        }
        var ns = metadata.String("namespace");
        if (string.IsNullOrEmpty(ns))
        {
            request.Namespace = options.DefaultNamespace;
        }
        else if (options.NamespaceIsExplicit && ns != options.DefaultNamespace)
        {
            problems.Add(new("metadata.namespace", $"'{YamlObject.Printable(ns)}' differs from the namespace given with -n ('{options.DefaultNamespace}'); drop -n or make them agree", metadata.Line));
        }
        else
        {
            request.Namespace = ns;
        }
        if (metadata.StringMap("labels") is { } labels)
        {
            request.Labels.Add(labels);
        }
        metadata.Ignore(IgnoredMetadata);
        metadata.RejectUnknown("name, namespace, labels, annotations");
    }

    private static void ReadSpec(YamlObject spec, ApplyRequest request, List<ManifestProblem> problems)
    {
        var runStrategy = spec.String("runStrategy");
        var running = spec.Bool("running");
        if (runStrategy is not null && running is not null)
        {
            spec.Problem("running", null, "spec.running and spec.runStrategy are both set; keep only runStrategy (running: true is runStrategy: Always, running: false is runStrategy: Halted)");
        }
        else if (runStrategy is not null)
        {
            request.Spec.RunStrategy = runStrategy;
        }
        else if (running is { } r)
        {
            request.Spec.RunStrategy = r ? "Always" : "Halted";
        }

        spec.Unsupported("dataVolumeTemplates", "data volumes are not supported; use a volume with emptyDisk, or image with a path in the node's image folder");
        spec.Unsupported("instancetype", "instance types are not supported; set spec.template.spec.domain.cpu and .memory.guest instead");
        spec.Unsupported("preference", "preferences are not supported; set the devices in spec.template.spec.domain instead");

        var template = spec.Object("template");
        if (template is null)
        {
            problems.Add(new("spec.template", "is missing; a VirtualMachine needs spec.template.spec.domain with cpu and memory", spec.Line));
        }
        else
        {
            ReadTemplate(template, request, problems);
        }
        spec.RejectUnknown("runStrategy, running, template");
    }

    private static void ReadTemplate(YamlObject template, ApplyRequest request, List<ManifestProblem> problems)
    {
        if (template.Object("metadata") is { } metadata)
        {
            if (metadata.StringMap("labels") is { } labels)
            {
                foreach (var (key, value) in labels)
                {
                    if (request.Labels.TryGetValue(key, out var existing) && existing != value)
                    {
                        problems.Add(new($"{metadata.Child("labels")}[{YamlObject.Printable(key)}]",
                            $"'{YamlObject.Printable(value)}' differs from metadata.labels[{key}] '{YamlObject.Printable(existing)}'; orvirt keeps one set of labels per VM, so make them agree", metadata.Line));
                    }
                    else
                    {
                        request.Labels[key] = value;
                    }
                }
            }
            metadata.Ignore("annotations", "creationTimestamp");
            metadata.RejectUnknown("labels, annotations");
        }

        var spec = template.Object("spec");
        if (spec is null)
        {
            problems.Add(new("spec.template.spec", "is missing; it holds domain (cpu, memory, devices) and volumes", template.Line));
        }
        else
        {
            ReadVmiSpec(spec, request.Spec, problems);
        }
        template.RejectUnknown("metadata, spec");
    }

    private static void ReadVmiSpec(YamlObject spec, VirtualMachineSpec target, List<ManifestProblem> problems)
    {
        var domain = spec.Object("domain");
        var disks = new List<(YamlObject Item, string Name, string Bus)>();
        var interfaces = new List<(YamlObject Item, Interface Nic)>();
        if (domain is null)
        {
            problems.Add(new(spec.Child("domain"), "is missing; set domain.cpu and domain.memory.guest, e.g. 'memory: {guest: 128Mi}'", spec.Line));
        }
        else
        {
            ReadDomain(domain, target, disks, interfaces, problems);
        }

        var volumes = ReadVolumes(spec);
        JoinDisks(spec, disks, volumes, target, problems);
        ReadNetworks(spec, interfaces, problems);
        target.Interfaces.AddRange(interfaces.Select(i => i.Nic));

        if (spec.StringMap("nodeSelector") is { } selector)
        {
            target.NodeSelector.Add(selector);
        }
        if (spec.Int("terminationGracePeriodSeconds", 0, int.MaxValue) is { } grace)
        {
            target.TerminationGracePeriodSeconds = grace;
        }
        spec.Unsupported("affinity", "affinity is not supported; use nodeSelector");
        spec.Unsupported("tolerations", "tolerations are not supported; use nodeSelector");
        spec.Unsupported("accessCredentials", "access credentials are not supported yet; remove them");
        spec.RejectUnknown("domain, volumes, networks, nodeSelector, terminationGracePeriodSeconds");
    }

    private static void ReadDomain(YamlObject domain, VirtualMachineSpec target, List<(YamlObject, string, string)> disks,
        List<(YamlObject, Interface)> interfaces, List<ManifestProblem> problems)
    {
        target.Cpu = new Cpu { Sockets = 1, Cores = 1, Threads = 1 };
        if (domain.Object("cpu") is { } cpu)
        {
            target.Cpu.Sockets = cpu.Int("sockets", 1, 1024) ?? 1;
            target.Cpu.Cores = cpu.Int("cores", 1, 1024) ?? 1;
            target.Cpu.Threads = cpu.Int("threads", 1, 1024) ?? 1;
            cpu.RejectUnknown("sockets, cores, threads");
        }

        string? guest = null;
        if (domain.Object("memory") is { } memory)
        {
            guest = memory.String("guest");
            memory.RejectUnknown("guest");
        }
        string? requested = null;
        if (domain.Object("resources") is { } resources)
        {
            if (resources.Object("requests") is { } requests)
            {
                requested = requests.String("memory");
                requests.Unsupported("cpu", "CPU requests are not supported; set spec.template.spec.domain.cpu.cores instead");
                requests.RejectUnknown("memory");
            }
            resources.Unsupported("limits", "limits are not supported; the VM gets exactly domain.memory.guest and domain.cpu");
            resources.RejectUnknown("requests");
        }
        target.Memory = guest ?? requested ?? "";
        if (target.Memory.Length == 0)
        {
            problems.Add(new(domain.Child("memory.guest"), "is missing; give the guest memory, e.g. 'memory: {guest: 128Mi}' (or resources.requests.memory)", domain.Line));
        }

        if (domain.Object("devices") is { } devices)
        {
            foreach (var disk in devices.List("disks") ?? [])
            {
                var name = disk.String("name") ?? "";
                var bus = "virtio";
                if (disk.Object("disk") is { } target0)
                {
                    bus = target0.String("bus") ?? "virtio";
                    target0.RejectUnknown("bus");
                }
                else
                {
                    disk.Unsupported("cdrom", "CD-ROM disks are not supported; use 'disk: {bus: virtio}'");
                    disk.Unsupported("lun", "LUN disks are not supported; use 'disk: {bus: virtio}'");
                    disk.Unsupported("floppy", "floppy disks are not supported; use 'disk: {bus: virtio}'");
                }
                disk.RejectUnknown("name, disk");
                disks.Add((disk, name, bus));
            }
            foreach (var nic in devices.List("interfaces") ?? [])
            {
                var result = new Interface { Name = nic.String("name") ?? "", Model = nic.String("model") ?? "virtio", Binding = "user" };
                if (nic.Object("masquerade") is { } masquerade)
                {
                    masquerade.RejectUnknown("nothing (use 'masquerade: {}')");
                }
                if (nic.Object("slirp") is { } slirp)
                {
                    slirp.RejectUnknown("nothing (use 'slirp: {}')");
                }
                foreach (var other in new[] { "bridge", "sriov", "passt", "macvtap", "binding" })
                {
                    nic.Unsupported(other, $"the {other} binding is not supported; orvirt only offers user networking: use 'masquerade: {{}}'");
                }
                nic.RejectUnknown("name, model, masquerade, slirp");
                interfaces.Add((nic, result));
            }
            devices.RejectUnknown("disks, interfaces");
        }
        domain.RejectUnknown("cpu, memory, resources, devices");
    }

    private static Dictionary<string, (YamlObject Item, Disk Source)> ReadVolumes(YamlObject spec)
    {
        var result = new Dictionary<string, (YamlObject, Disk)>(StringComparer.Ordinal);
        foreach (var volume in spec.List("volumes") ?? [])
        {
            var name = volume.String("name") ?? "";
            var disk = new Disk { Name = name };
            var sources = 0;
            if (volume.Object("emptyDisk") is { } empty)
            {
                sources++;
                disk.EmptyDisk = new EmptyDisk { Capacity = empty.String("capacity") ?? "" };
                if (disk.EmptyDisk.Capacity.Length == 0)
                {
                    empty.Problem("capacity", null, "is missing; give the size, e.g. 'capacity: 1Gi'");
                }
                empty.RejectUnknown("capacity");
            }
            if (volume.Object("image") is { } image)
            {
                sources++;
                disk.Image = new ImageDisk { Path = image.String("path") ?? "" };
                if (disk.Image.Path.Length == 0)
                {
                    image.Problem("path", null, "is missing; name a file in the node's image folder, e.g. 'path: cirros.qcow2'");
                }
                image.RejectUnknown("path");
            }
            volume.Unsupported("containerDisk", "container disks are not supported; copy the image into the node's image folder and use 'image: {path: cirros.qcow2}', or use 'emptyDisk: {capacity: 1Gi}'");
            volume.Unsupported("cloudInitNoCloud", "cloud-init volumes are not supported yet; remove this volume and its disk");
            volume.Unsupported("cloudInitConfigDrive", "cloud-init volumes are not supported yet; remove this volume and its disk");
            volume.Unsupported("persistentVolumeClaim", "persistent volume claims are not supported; use 'image: {path: ...}' or 'emptyDisk: {capacity: ...}'");
            volume.Unsupported("dataVolume", "data volumes are not supported; use 'image: {path: ...}' or 'emptyDisk: {capacity: ...}'");
            volume.Unsupported("hostDisk", "hostDisk is not supported; put the file in the node's image folder and use 'image: {path: ...}'");
            volume.RejectUnknown("name, emptyDisk, image");
            if (sources > 1)
            {
                volume.Problem("image", null, "a volume has exactly one source; keep either emptyDisk or image");
            }
            else if (sources == 0 && !HasOtherProblems(volume))
            {
                volume.Problem("name", null, "the volume has no source; add 'emptyDisk: {capacity: 1Gi}' or 'image: {path: cirros.qcow2}'");
            }
            if (sources > 0 && !result.TryAdd(name, (volume, disk)))
            {
                volume.Problem("name", null, $"volume name '{YamlObject.Printable(name)}' is used twice; give each volume its own name");
            }
            else if (sources == 0)
            {
                result.TryAdd(name, (volume, disk));
            }
        }
        return result;
    }

    private static bool HasOtherProblems(YamlObject volume) =>
        volume.Has("containerDisk") || volume.Has("cloudInitNoCloud") || volume.Has("cloudInitConfigDrive")
        || volume.Has("persistentVolumeClaim") || volume.Has("dataVolume") || volume.Has("hostDisk");

    private static void JoinDisks(YamlObject spec, List<(YamlObject Item, string Name, string Bus)> disks,
        Dictionary<string, (YamlObject Item, Disk Source)> volumes, VirtualMachineSpec target, List<ManifestProblem> problems)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (item, name, bus) in disks)
        {
            if (!volumes.TryGetValue(name, out var volume))
            {
                item.Problem("name", null, $"no volume named '{YamlObject.Printable(name)}' in {spec.Child("volumes")}; add one with the same name and 'emptyDisk: {{capacity: 1Gi}}' or 'image: {{path: cirros.qcow2}}'");
                continue;
            }
            used.Add(name);
            if (volume.Source.SourceCase == Disk.SourceOneofCase.None)
            {
                // The volume's own problem (an unsupported or missing source) is reported already.
                continue;
            }
            var disk = volume.Source.Clone();
            disk.Bus = bus;
            target.Disks.Add(disk);
        }
        foreach (var (name, volume) in volumes)
        {
            if (!used.Contains(name) && volume.Source.SourceCase != Disk.SourceOneofCase.None)
            {
                problems.Add(new(volume.Item.Child("name"), $"volume '{YamlObject.Printable(name)}' is not attached; add a disk with the same name to spec.template.spec.domain.devices.disks, e.g. '- name: {YamlObject.Printable(name)}' with 'disk: {{bus: virtio}}'", volume.Item.Line));
            }
        }
    }

    private static void ReadNetworks(YamlObject spec, List<(YamlObject Item, Interface Nic)> interfaces, List<ManifestProblem> problems)
    {
        var networks = spec.List("networks");
        if (networks is null)
        {
            return;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var network in networks)
        {
            var name = network.String("name") ?? "";
            names.Add(name);
            if (network.Object("pod") is { } pod)
            {
                pod.Unsupported("vmNetworkCIDR", "a custom CIDR is not supported; remove it");
                pod.RejectUnknown("nothing (use 'pod: {}')");
            }
            network.Unsupported("multus", "multus networks are not supported; orvirt only offers user networking: use 'pod: {}'");
            network.RejectUnknown("name, pod");
            if (interfaces.All(i => i.Nic.Name != name))
            {
                network.Problem("name", null, $"network '{YamlObject.Printable(name)}' has no interface; add one with the same name to spec.template.spec.domain.devices.interfaces, or remove the network");
            }
        }
        foreach (var (item, nic) in interfaces)
        {
            if (!names.Contains(nic.Name))
            {
                problems.Add(new(item.Child("name"), $"no network named '{YamlObject.Printable(nic.Name)}' in {spec.Child("networks")}; add '- name: {YamlObject.Printable(nic.Name)}' with 'pod: {{}}'", item.Line));
            }
        }
    }
}
