using System.Collections.Immutable;
using System.Xml.Linq;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Domain;

namespace Orvirt.NodeAgent.Tests.Domain;

public sealed class DomainXmlBuilderTests
{
    [Fact]
    public void BuildsNameUuidMemoryTopologyDisksConsoleAndUserNetworking()
    {
        var d = Desired("web", "prod") with
        {
            Spec = new VmSpec
            {
                MemoryBytes = 96L << 20,
                Cpu = new CpuTopology { Sockets = 1, Cores = 2, Threads = 2 },
                Interfaces = [new InterfaceSpec { Model = "e1000" }],
            },
        };
        var xml = DomainXmlBuilder.Build(new(d, "kvm", [new PreparedDisk("root", "/p/disk-root.qcow2", "virtio"), new PreparedDisk("data", "/p/disk-data.qcow2", "sata")], "/p/console.log"));
        var root = XDocument.Parse(xml).Root!;
        Assert.Equal("kvm", root.Attribute("type")!.Value);
        Assert.Equal("prod_web", root.Element("name")!.Value);
        Assert.Equal(DomainXmlBuilder.UuidFor(d), root.Element("uuid")!.Value);
        Assert.Equal("98304", root.Element("memory")!.Value);
        Assert.Equal("4", root.Element("vcpu")!.Value);
        var topology = root.Element("cpu")!.Element("topology")!;
        Assert.Equal(("1", "2", "2"), (topology.Attribute("sockets")!.Value, topology.Attribute("cores")!.Value, topology.Attribute("threads")!.Value));
        var disks = root.Element("devices")!.Elements("disk").ToList();
        Assert.Equal(["vda", "sda"], disks.Select(x => x.Element("target")!.Attribute("dev")!.Value));
        Assert.Equal("/p/disk-data.qcow2", disks[1].Element("source")!.Attribute("file")!.Value);
        Assert.Equal("/p/console.log", root.Element("devices")!.Element("serial")!.Element("source")!.Attribute("path")!.Value);
        var nic = root.Element("devices")!.Element("interface")!;
        Assert.Equal("user", nic.Attribute("type")!.Value);
        Assert.Equal("e1000", nic.Element("model")!.Attribute("type")!.Value);
    }

    [Fact]
    public void MetadataReadsBackExactly()
    {
        var d = Desired("db", "team-a") with { Generation = 7, Sequence = 42 };
        var meta = DomainMetadata.Parse(DomainXmlBuilder.Build(new(d, "qemu", [], null)));
        Assert.Equal(new DomainMetadata("team-a", "db", d.Uid, d.InstanceId, 7, 42), meta);
    }

    [Fact]
    public void MetadataOfAForeignDomainIsNull()
    {
        Assert.Null(DomainMetadata.Parse("<domain type='kvm'><name>x</name></domain>"));
        Assert.Null(DomainMetadata.Parse("not xml"));
    }

    [Fact]
    public void MarkupInValuesCannotChangeTheDocumentsStructure()
    {
        const string evil = "a'\"><name>pwned</name><!-- & ]]> <?x?>";
        var d = Desired("vm", "ns") with { Uid = evil, InstanceId = evil };
        var xml = DomainXmlBuilder.Build(new(d, "kvm", [new PreparedDisk("root", "/p/" + evil, "virtio")], "/p/" + evil));
        var root = XDocument.Parse(xml).Root!;
        Assert.Single(root.Elements("name"));
        Assert.Equal("ns_vm", root.Element("name")!.Value);
        Assert.Equal("/p/" + evil, root.Element("devices")!.Element("disk")!.Element("source")!.Attribute("file")!.Value);
        Assert.Equal(evil, DomainMetadata.Parse(xml)!.Uid);
        Assert.Equal(["name", "uuid", "metadata", "memory", "currentMemory", "vcpu", "os", "cpu", "on_poweroff", "on_reboot", "on_crash", "devices"],
            root.Elements().Select(e => e.Name.LocalName));
    }

    [Fact]
    public void RandomStringsAlwaysYieldWellFormedXmlWithTheGivenValues()
    {
        var random = new Random(20261127);
        string[] symbols = ["a", "z", "0", "9", "-", "_", "'", "\"", "<", ">", "&", ";", "/", " ", "]]>", "<?", "<!--", "\t", "\u00e9", "\u4e2d", "\U0001F600"];
        const string labelChars = "abcdefghijklmnopqrstuvwxyz0123456789-";
        string Text()
        {
            var b = new System.Text.StringBuilder();
            for (var k = random.Next(0, 40); k > 0; k--)
            {
                b.Append(symbols[random.Next(symbols.Length)]);
            }
            return b.ToString();
        }
        string Label()
        {
            var len = random.Next(1, 64);
            var chars = new char[len];
            for (var k = 0; k < len; k++)
            {
                chars[k] = k == 0 || k == len - 1 ? labelChars[random.Next(36)] : labelChars[random.Next(labelChars.Length)];
            }
            return new string(chars);
        }
        for (var i = 0; i < 500; i++)
        {
            var ns = Label();
            var name = Label();
            var uid = Text();
            var instance = Text();
            var path = "/p/" + Text();
            var d = Desired(name, ns) with { Uid = uid, InstanceId = instance };
            Assert.Null(VmValidator.Dns1123LabelError(name));
            var xml = DomainXmlBuilder.Build(new(d, "qemu", [new PreparedDisk("d", path, "virtio")], path));
            var root = XDocument.Parse(xml).Root!;
            Assert.Equal($"{ns}_{name}", Assert.Single(root.Elements("name")).Value);
            var meta = DomainMetadata.Parse(xml)!;
            Assert.Equal((ns, name, uid, instance), (meta.Namespace, meta.Name, meta.Uid, meta.InstanceId));
            Assert.Equal(path, root.Element("devices")!.Element("disk")!.Element("source")!.Attribute("file")!.Value);
        }
    }

    [Fact]
    public void TestDriverDomainsOmitQemuOnlyElements()
    {
        var root = XDocument.Parse(DomainXmlBuilder.Build(new(Desired("t", "ns"), "test", [], null))).Root!;
        Assert.Equal("test", root.Attribute("type")!.Value);
        Assert.Null(root.Element("cpu"));
    }

    [Fact]
    public void AnUnknownDomainTypeIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => DomainXmlBuilder.Build(new(Desired("t", "ns"), "xen", [], null)));
        Assert.Contains("kvm, qemu or test", e.Message, StringComparison.Ordinal);
    }

    internal static VmDesired Desired(string name, string ns) => new()
    {
        Namespace = ns,
        Name = name,
        Uid = Guid.NewGuid().ToString(),
        InstanceId = Guid.NewGuid().ToString("N"),
        Generation = 1,
        Sequence = 1,
        Spec = new VmSpec { MemoryBytes = 64L << 20, Interfaces = ImmutableArray<InterfaceSpec>.Empty },
    };
}
