using Orvirt.Api.V1;
using Orvirt.Client.Manifests;

namespace Orvirt.Client.Tests.Manifests;

public sealed class VirtualMachineManifestTests
{
    // KubeVirt's own example VM (examples/vm-cirros.yaml), unchanged.
    private const string KubeVirtCirros = """
        apiVersion: kubevirt.io/v1
        kind: VirtualMachine
        metadata:
          labels:
            kubevirt.io/vm: vm-cirros
          name: vm-cirros
        spec:
          running: false
          template:
            metadata:
              labels:
                kubevirt.io/vm: vm-cirros
            spec:
              domain:
                devices:
                  disks:
                  - disk:
                      bus: virtio
                    name: containerdisk
                  - disk:
                      bus: virtio
                    name: cloudinitdisk
                resources:
                  requests:
                    memory: 128Mi
              terminationGracePeriodSeconds: 0
              volumes:
              - containerDisk:
                  image: quay.io/kubevirt/cirros-container-disk-demo:devel
                name: containerdisk
              - cloudInitNoCloud:
                  userData: |
                    #!/bin/sh

                    echo 'printed from cloud-init userdata'
                name: cloudinitdisk
        """;

    [Fact]
    public void KubeVirtCirrosWithContainerDiskAndCloudInitIsRefusedNamingBothVolumes()
    {
        var document = Assert.Single(ManifestReader.Read(KubeVirtCirros));

        Assert.False(document.IsValid);
        Assert.Null(document.Request);
        var fields = document.Problems.Select(p => p.Field).ToList();
        Assert.Contains("spec.template.spec.volumes[0].containerDisk", fields);
        Assert.Contains("spec.template.spec.volumes[1].cloudInitNoCloud", fields);
        var containerDisk = document.Problems.Single(p => p.Field.EndsWith("containerDisk", StringComparison.Ordinal));
        Assert.Contains("image: {path:", containerDisk.Message, StringComparison.Ordinal);
        Assert.Equal(28, containerDisk.Line);
    }

    [Fact]
    public void KubeVirtCirrosWithAnEmptyDiskIsAccepted()
    {
        var yaml = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachine
            metadata:
              labels:
                kubevirt.io/vm: vm-cirros
              name: vm-cirros
            spec:
              running: false
              template:
                metadata:
                  labels:
                    kubevirt.io/vm: vm-cirros
                spec:
                  domain:
                    devices:
                      disks:
                      - disk:
                          bus: virtio
                        name: scratch
                      interfaces:
                      - name: default
                        masquerade: {}
                    resources:
                      requests:
                        memory: 128Mi
                  networks:
                  - name: default
                    pod: {}
                  terminationGracePeriodSeconds: 0
                  volumes:
                  - emptyDisk:
                      capacity: 2Gi
                    name: scratch
            """;

        var document = Assert.Single(ManifestReader.Read(yaml));

        Assert.True(document.IsValid, string.Join("\n", document.Problems));
        var r = document.Request!;
        Assert.Equal("default", r.Namespace);
        Assert.Equal("vm-cirros", r.Name);
        Assert.Equal("vm-cirros", r.Labels["kubevirt.io/vm"]);
        Assert.Equal("Halted", r.Spec.RunStrategy);
        Assert.Equal("128Mi", r.Spec.Memory);
        Assert.Equal(0, r.Spec.TerminationGracePeriodSeconds);
        var disk = Assert.Single(r.Spec.Disks);
        Assert.Equal("scratch", disk.Name);
        Assert.Equal("2Gi", disk.EmptyDisk.Capacity);
        Assert.Equal("virtio", disk.Bus);
        var nic = Assert.Single(r.Spec.Interfaces);
        Assert.Equal(new Interface { Name = "default", Model = "virtio", Binding = "user" }, nic);
    }

    [Fact]
    public void EverySupportedFieldIsMapped()
    {
        var yaml = """
            apiVersion: orvirt.io/v1alpha1
            kind: VirtualMachine
            metadata:
              name: web-1
              namespace: prod
              labels:
                app: web
              annotations:
                note: ignored
              uid: 1234
              resourceVersion: "7"
            spec:
              runStrategy: Manual
              template:
                metadata:
                  labels:
                    tier: front
                spec:
                  domain:
                    cpu:
                      sockets: 2
                      cores: 3
                      threads: 1
                    memory:
                      guest: 512Mi
                    resources:
                      requests:
                        memory: 1Gi
                    devices:
                      disks:
                      - name: root
                        disk:
                          bus: sata
                      - name: data
                        disk: {}
                      interfaces:
                      - name: net0
                        model: e1000
                        slirp: {}
                  volumes:
                  - name: root
                    image:
                      path: base/cirros.qcow2
                  - name: data
                    emptyDisk:
                      capacity: 1Gi
                  nodeSelector:
                    disk: ssd
                  terminationGracePeriodSeconds: 45
            status:
              printableStatus: Running
            """;

        var document = Assert.Single(ManifestReader.Read(yaml));

        Assert.True(document.IsValid, string.Join("\n", document.Problems));
        var expected = new ApplyRequest
        {
            Namespace = "prod",
            Name = "web-1",
            Labels = { ["app"] = "web", ["tier"] = "front" },
            Spec = new VirtualMachineSpec
            {
                RunStrategy = "Manual",
                Cpu = new Cpu { Sockets = 2, Cores = 3, Threads = 1 },
                Memory = "512Mi",
                Disks =
                {
                    new Disk { Name = "root", Bus = "sata", Image = new ImageDisk { Path = "base/cirros.qcow2" } },
                    new Disk { Name = "data", Bus = "virtio", EmptyDisk = new EmptyDisk { Capacity = "1Gi" } },
                },
                Interfaces = { new Interface { Name = "net0", Model = "e1000", Binding = "user" } },
                NodeSelector = { ["disk"] = "ssd" },
                TerminationGracePeriodSeconds = 45,
            },
        };
        Assert.Equal(expected, document.Request);
    }

    [Fact]
    public void UnsupportedFieldsAreListedByTheirFullPath()
    {
        var yaml = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachine
            metadata:
              name: gpu-vm
              generateName: gpu-
            spec:
              runStrategy: Always
              dataVolumeTemplates: []
              template:
                spec:
                  evictionStrategy: LiveMigrate
                  domain:
                    machine:
                      type: q35
                    cpu:
                      cores: 2
                      model: host-passthrough
                    memory:
                      guest: 1Gi
                      hugepages:
                        pageSize: 2Mi
                    devices:
                      gpus:
                      - name: gpu1
                        deviceName: nvidia.com/TU104GL
                      disks:
                      - name: root
                        cdrom:
                          bus: sata
                      interfaces:
                      - name: default
                        bridge: {}
                  volumes:
                  - name: root
                    emptyDisk:
                      capacity: 1Gi
            """;

        var document = Assert.Single(ManifestReader.Read(yaml));

        Assert.False(document.IsValid);
        var fields = document.Problems.Select(p => p.Field).ToHashSet();
        string[] expected =
        [
            "metadata.generateName",
            "spec.dataVolumeTemplates",
            "spec.template.spec.evictionStrategy",
            "spec.template.spec.domain.machine",
            "spec.template.spec.domain.cpu.model",
            "spec.template.spec.domain.memory.hugepages",
            "spec.template.spec.domain.devices.gpus",
            "spec.template.spec.domain.devices.disks[0].cdrom",
            "spec.template.spec.domain.devices.interfaces[0].bridge",
        ];
        foreach (var field in expected)
        {
            Assert.True(fields.Contains(field), $"expected a problem for {field}; got:\n{string.Join("\n", document.Problems)}");
        }
        var gpus = document.Problems.Single(p => p.Field == "spec.template.spec.domain.devices.gpus");
        Assert.Contains("remove it", gpus.Message, StringComparison.Ordinal);
        Assert.Contains("masquerade", document.Problems.Single(p => p.Field.EndsWith("bridge", StringComparison.Ordinal)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunningAndRunStrategyTogetherIsAnErrorThatSaysWhichToKeep()
    {
        var yaml = Minimal("  running: true\n  runStrategy: Manual\n");

        var document = Assert.Single(ManifestReader.Read(yaml));

        var problem = Assert.Single(document.Problems);
        Assert.Equal("spec.running", problem.Field);
        Assert.Contains("keep only runStrategy", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  running: true\n", "Always")]
    [InlineData("  running: false\n", "Halted")]
    [InlineData("  runStrategy: RerunOnFailure\n", "RerunOnFailure")]
    [InlineData("", "")]
    public void RunningIsTheLegacyAliasOfRunStrategy(string specLines, string expected)
    {
        var document = Assert.Single(ManifestReader.Read(Minimal(specLines)));

        Assert.True(document.IsValid, string.Join("\n", document.Problems));
        Assert.Equal(expected, document.Request!.Spec.RunStrategy);
    }

    [Fact]
    public void MultipleDocumentsAreConvertedInOrderAndEmptyOnesSkipped()
    {
        var yaml = "---\n" + Minimal("", name: "one") + "\n---\n---\n" + Minimal("", name: "two") + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";

        var documents = ManifestReader.Read(yaml);

        Assert.Equal(3, documents.Count);
        Assert.Equal("one", documents[0].Request!.Name);
        Assert.Equal("two", documents[1].Request!.Name);
        Assert.Equal([0, 1, 2], documents.Select(d => d.Index));
        var fields = documents[2].Problems.Select(p => p.Field).ToList();
        Assert.Equal(["apiVersion", "kind"], fields);
    }

    [Theory]
    [InlineData("apiVersion: kubevirt.io/v1alpha3\nkind: VirtualMachine\n", "apiVersion", "kubevirt.io/v1alpha3")]
    [InlineData("apiVersion: orvirt.io/v1alpha1\nkind: VirtualMachineInstance\n", "kind", "VirtualMachineInstance")]
    [InlineData("kind: VirtualMachine\n", "apiVersion", "missing")]
    public void AnUnknownApiVersionOrKindNamesTheField(string yaml, string field, string mentioned)
    {
        var document = Assert.Single(ManifestReader.Read(yaml + "metadata:\n  name: x\n"));

        var problem = Assert.Single(document.Problems);
        Assert.Equal(field, problem.Field);
        Assert.Contains(mentioned, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DisksAndVolumesMustMatchByName()
    {
        var yaml = """
            apiVersion: orvirt.io/v1alpha1
            kind: VirtualMachine
            metadata: {name: x}
            spec:
              template:
                spec:
                  domain:
                    memory: {guest: 128Mi}
                    devices:
                      disks:
                      - name: root
                  volumes:
                  - name: other
                    emptyDisk: {capacity: 1Gi}
            """;

        var document = Assert.Single(ManifestReader.Read(yaml));

        var fields = document.Problems.Select(p => p.Field).ToList();
        Assert.Equal(["spec.template.spec.domain.devices.disks[0].name", "spec.template.spec.volumes[0].name"], fields);
    }

    [Fact]
    public void WrongValueTypesAndMissingMemoryNameTheField()
    {
        var yaml = """
            apiVersion: orvirt.io/v1alpha1
            kind: VirtualMachine
            metadata: {name: x}
            spec:
              running: maybe
              template:
                spec:
                  domain:
                    cpu: {cores: two}
                  terminationGracePeriodSeconds: -1
            """;

        var document = Assert.Single(ManifestReader.Read(yaml));

        var fields = document.Problems.Select(p => p.Field).ToList();
        Assert.Equal(
            ["spec.running", "spec.template.spec.domain.cpu.cores", "spec.template.spec.domain.memory.guest", "spec.template.spec.terminationGracePeriodSeconds"],
            fields.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AYamlSyntaxErrorGivesTheLine()
    {
        var document = Assert.Single(ManifestReader.Read("apiVersion: orvirt.io/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: [x\n"));

        var problem = Assert.Single(document.Problems);
        Assert.Equal("yaml", problem.Field);
        Assert.NotNull(problem.Line);
        Assert.Contains("not valid YAML", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExplicitNamespaceFillsTheGapAndRefusesAMismatch()
    {
        var options = new ManifestOptions { DefaultNamespace = "dev", NamespaceIsExplicit = true };

        var filled = Assert.Single(ManifestReader.Read(Minimal(""), options));
        var mismatch = Assert.Single(ManifestReader.Read(Minimal("").Replace("  name: vm\n", "  name: vm\n  namespace: prod\n", StringComparison.Ordinal), options));

        Assert.Equal("dev", filled.Request!.Namespace);
        Assert.Equal("metadata.namespace", Assert.Single(mismatch.Problems).Field);
    }

    [Fact]
    public void JsonConvertsLikeYaml()
    {
        var json = """
            {"apiVersion":"orvirt.io/v1alpha1","kind":"VirtualMachine","metadata":{"name":"j"},
             "spec":{"runStrategy":"Once","template":{"spec":{"domain":{"cpu":{"cores":2},"memory":{"guest":"64Mi"}}}}}}
            """;

        var document = Assert.Single(ManifestReader.Read(json));

        Assert.True(document.IsValid, string.Join("\n", document.Problems));
        Assert.Equal(2, document.Request!.Spec.Cpu.Cores);
        Assert.Equal("Once", document.Request.Spec.RunStrategy);
    }

    internal static string Minimal(string specLines, string name = "vm") =>
        $"apiVersion: orvirt.io/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: {name}\nspec:\n{specLines}  template:\n    spec:\n      domain:\n        memory:\n          guest: 128Mi\n";
}
