using System.Xml.Linq;

namespace Orvirt.NodeAgent.Pods;

/// <summary>
/// The QEMU capabilities cache that one pod's libvirtd probed (<c>cache/qemu/capabilities/*.xml</c>), kept as the
/// template that seeds every later pod, so that no pod probes QEMU again (a probe takes 2-4 s on 2 cores).
/// </summary>
public static class CapabilitiesTemplate
{
    /// <summary>The libvirt capability flag that <see cref="DropSlowCpuQuery"/> removes.</summary>
    public const string UnavailableFeaturesFlag = "cpu-unavailable-features";

    /// <summary>
    /// Removes the <c>cpu-unavailable-features</c> flag from an x86 emulator's cached capabilities. After starting QEMU,
    /// libvirt 9 reads the guest CPU's features back to check them; with that flag it lists the vCPU's QOM properties
    /// and reads each with its own <c>qom-get</c> (about 400 monitor round trips for QEMU 7.2: 0.3-0.4 s of every start
    /// at load 20, seconds at higher load); without it, it reads the x86 <c>feature-words</c> and
    /// <c>filtered-features</c> properties (2 round trips), the path libvirt used before QEMU had that property. The
    /// result feeds the same checks (KVM and Hyper-V features, a CPU model's required features); domains that ask for
    /// none of them, as Orvirt's do, start the same. Other emulators' caches are returned unchanged. libvirt validates
    /// the cache by the binaries' ctimes, versions, kernel and microcode, not by its content: when one of those
    /// changes, it probes again, and the agent keeps the new cache as the template.
    /// </summary>
    public static string DropSlowCpuQuery(string capabilitiesXml)
    {
        var doc = XDocument.Parse(capabilitiesXml, LoadOptions.PreserveWhitespace);
        var root = doc.Root;
        if (root is null || root.Name != "qemuCaps" || root.Element("arch")?.Value != "x86_64")
        {
            return capabilitiesXml;
        }
        var flags = root.Elements("flag").Where(f => (string?)f.Attribute("name") == UnavailableFeaturesFlag).ToList();
        if (flags.Count == 0)
        {
            return capabilitiesXml;
        }
        foreach (var flag in flags)
        {
            // Its indentation and line break go with it.
            if (flag.PreviousNode is XText indent && string.IsNullOrWhiteSpace(indent.Value))
            {
                indent.Remove();
            }
            flag.Remove();
        }
        return root.ToString(SaveOptions.DisableFormatting) + "\n";
    }
}
