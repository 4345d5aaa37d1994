using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Domain;

/// <summary>
/// Builds libvirt domain XML with <see cref="XDocument"/>: every value is an element text or attribute value,
/// so no user string can change the document's structure.
/// </summary>
public static class DomainXmlBuilder
{
    private static readonly string[] DomainTypes = ["kvm", "qemu", "test"];

    /// <summary>The domain XML for <paramref name="request"/>.</summary>
    public static string Build(DomainBuildRequest request) => BuildDocument(request).ToString(SaveOptions.DisableFormatting);

    /// <summary>The domain document for <paramref name="request"/>.</summary>
    public static XDocument BuildDocument(DomainBuildRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var d = request.Desired;
        if (!DomainTypes.Contains(request.DomainType))
        {
            throw new ArgumentException($"domain type '{request.DomainType}' is not supported; use kvm, qemu or test", nameof(request));
        }
        var spec = d.Spec;
        var memoryKiB = (spec.MemoryBytes + 1023) / 1024;
        var isTest = request.DomainType == "test";

        var devices = new XElement("devices");
        var perPrefix = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var disk in request.Disks)
        {
            var prefix = disk.Bus == "virtio" ? "vd" : "sd";
            var index = perPrefix.GetValueOrDefault(prefix);
            perPrefix[prefix] = index + 1;
            devices.Add(DiskElement(disk, prefix + DeviceSuffix(index), isTest));
        }
        if (request.ConsoleLogPath is { } log)
        {
            devices.Add(new XElement("serial", new XAttribute("type", "file"),
                new XElement("source", new XAttribute("path", log)),
                new XElement("target", new XAttribute("port", "0"))));
        }
        foreach (var nic in spec.Interfaces)
        {
            devices.Add(new XElement("interface", new XAttribute("type", "user"),
                new XElement("model", new XAttribute("type", nic.Model))));
        }

        var os = new XElement("os", new XElement("type", "hvm"));
        if (!isTest)
        {
            os.Element("type")!.Add(new XAttribute("arch", "x86_64"));
            os.Add(new XElement("boot", new XAttribute("dev", "hd")));
        }

        var domain = new XElement("domain",
            new XAttribute("type", request.DomainType),
            new XElement("name", DomainNames.DomainName(d.Id)),
            new XElement("uuid", UuidFor(d)),
            new XElement("metadata", DomainMetadata.From(d).ToElement()),
            new XElement("memory", new XAttribute("unit", "KiB"), memoryKiB.ToString(CultureInfo.InvariantCulture)),
            new XElement("currentMemory", new XAttribute("unit", "KiB"), memoryKiB.ToString(CultureInfo.InvariantCulture)),
            new XElement("vcpu", new XAttribute("placement", "static"), spec.Cpu.Vcpus.ToString(CultureInfo.InvariantCulture)),
            os);
        if (!isTest)
        {
            domain.Add(new XElement("cpu",
                new XElement("topology",
                    new XAttribute("sockets", spec.Cpu.Sockets),
                    new XAttribute("dies", 1),
                    new XAttribute("cores", spec.Cpu.Cores),
                    new XAttribute("threads", spec.Cpu.Threads))));
        }
        domain.Add(
            new XElement("on_poweroff", "destroy"),
            new XElement("on_reboot", "restart"),
            new XElement("on_crash", "destroy"),
            devices);
        return new XDocument(domain);
    }

    /// <summary>A stable UUID per run: SHA-256 over uid and instance id, shaped as a version-8 UUID.</summary>
    public static string UuidFor(VmDesired d)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{d.Uid}\n{d.InstanceId}\n{d.Namespace}/{d.Name}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(hash, 0, 16);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
    }

    private static XElement DiskElement(PreparedDisk disk, string targetDev, bool isTest)
    {
        var element = new XElement("disk", new XAttribute("type", "file"), new XAttribute("device", "disk"));
        if (!isTest)
        {
            element.Add(new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", disk.Format)));
        }
        element.Add(
            new XElement("source", new XAttribute("file", disk.Path)),
            new XElement("target", new XAttribute("dev", targetDev), new XAttribute("bus", disk.Bus)),
            new XElement("alias", new XAttribute("name", "ua-" + disk.Name)));
        return element;
    }

    private static string DeviceSuffix(int index)
    {
        // a..z, aa..az, ...: libvirt's own disk naming.
        var s = "";
        index++;
        while (index > 0)
        {
            index--;
            s = (char)('a' + (index % 26)) + s;
            index /= 26;
        }
        return s;
    }
}
