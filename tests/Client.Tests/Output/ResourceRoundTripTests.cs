using Google.Protobuf.WellKnownTypes;
using Orvirt.Api.V1;
using Orvirt.Client.Manifests;
using Orvirt.Client.Output;

namespace Orvirt.Client.Tests.Output;

public sealed class ResourceRoundTripTests
{
    private static VirtualMachine Sample() => new()
    {
        Metadata = new ObjectMeta
        {
            Namespace = "prod",
            Name = "web-1",
            Uid = "5f0c",
            Generation = 3,
            ResourceVersion = 42,
            CreationTimestamp = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero)),
            Labels = { ["app"] = "web", ["version"] = "true" },
        },
        Spec = new VirtualMachineSpec
        {
            RunStrategy = "Manual",
            Cpu = new Cpu { Sockets = 1, Cores = 2, Threads = 1 },
            Memory = "256Mi",
            Disks =
            {
                new Disk { Name = "root", Bus = "virtio", Image = new ImageDisk { Path = "cirros.qcow2" } },
                new Disk { Name = "scratch", Bus = "scsi", EmptyDisk = new EmptyDisk { Capacity = "1Gi" } },
            },
            Interfaces = { new Interface { Name = "default", Model = "virtio", Binding = "user" } },
            NodeSelector = { ["zone"] = "1" },
            TerminationGracePeriodSeconds = 10,
        },
        Status = new VirtualMachineStatus
        {
            PrintableStatus = "ErrorUnschedulable",
            Phase = "Pending",
            Conditions = { new Condition { Type = "Failure", Status = "True", Reason = "Unschedulable", Message = "no Ready node" } },
        },
    };

    [Theory]
    [InlineData(OutputFormat.Yaml)]
    [InlineData(OutputFormat.Json)]
    public void GetOutputAppliesBackToTheSameSpecAndLabels(OutputFormat format)
    {
        var vm = Sample();
        using var text = new StringWriter();

        StructuredWriter.Write(VirtualMachineResource.ToNode(vm), format, text);
        var document = Assert.Single(ManifestReader.Read(text.ToString()));

        Assert.True(document.IsValid, string.Join("\n", document.Problems) + "\n" + text);
        Assert.Equal(vm.Spec, document.Request!.Spec);
        Assert.Equal(vm.Metadata.Labels, document.Request.Labels);
        Assert.Equal("prod", document.Request.Namespace);
    }

    [Fact]
    public void YamlQuotesStringsThatWouldReadBackAsOtherTypes()
    {
        using var text = new StringWriter();

        StructuredWriter.WriteYaml(VirtualMachineResource.ToNode(Sample()), text);

        Assert.Contains("version: \"true\"", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("zone: \"1\"", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("masquerade: {}", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("creationTimestamp: 2026-11-27T00:00:00Z", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ListTableShowsTheColumnsPeopleExpect()
    {
        var vm = Sample();
        using var output = new StringWriter();
        using var messages = new StringWriter();

        VmTable.Write([vm], allNamespaces: true, "default", vm.Metadata.CreationTimestamp.ToDateTimeOffset().AddSeconds(75), output, messages);

        var lines = output.ToString().TrimEnd().Split('\n');
        Assert.Equal(["NAMESPACE", "NAME", "STATUS", "READY", "NODE", "CPU", "MEMORY", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["prod", "web-1", "ErrorUnschedulable", "False", "<none>", "2", "256Mi", "75s"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void DescribeShowsConditionsWithReasonAndMessage()
    {
        using var output = new StringWriter();

        VmDescriber.Write(Sample(), DateTimeOffset.UtcNow, output);

        var text = output.ToString();
        Assert.Contains("Printable Status:", text, StringComparison.Ordinal);
        Assert.Matches(@"Failure\s+True\s+Unschedulable\s+<none>\s+no Ready node", text);
        Assert.Matches(@"root\s+virtio\s+image cirros.qcow2", text);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(75, "75s")]
    [InlineData(200, "3m20s")]
    [InlineData(900, "15m")]
    [InlineData(5 * 3600 + 12 * 60, "5h12m")]
    [InlineData(30 * 3600, "30h")]
    [InlineData(3 * 86400 + 4 * 3600, "3d4h")]
    [InlineData(120 * 86400, "120d")]
    [InlineData(-5, "0s")]
    public void AgeIsPrintedLikeKubectl(int seconds, string expected) =>
        Assert.Equal(expected, Age.Format(TimeSpan.FromSeconds(seconds)));
}
