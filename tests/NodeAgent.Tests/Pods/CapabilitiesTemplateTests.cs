using System.Xml.Linq;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Tests.Pods;

public sealed class CapabilitiesTemplateTests
{
    private const string X86 = """
        <qemuCaps>
          <emulator>/usr/bin/qemu-system-x86_64</emulator>
          <qemuctime>1795738025</qemuctime>
          <flag name='kvm'/>
          <flag name='cpu-unavailable-features'/>
          <flag name='query-cpu-model-expansion'/>
          <arch>x86_64</arch>
        </qemuCaps>
        """;

    [Fact]
    public void TheUnavailableFeaturesFlagIsDroppedFromAnX86CacheAndEverythingElseIsKept()
    {
        var trimmed = CapabilitiesTemplate.DropSlowCpuQuery(X86);

        var root = XDocument.Parse(trimmed).Root!;
        Assert.Equal(["kvm", "query-cpu-model-expansion"], root.Elements("flag").Select(f => (string)f.Attribute("name")!));
        Assert.Equal("/usr/bin/qemu-system-x86_64", root.Element("emulator")!.Value);
        Assert.Equal("1795738025", root.Element("qemuctime")!.Value);
        Assert.Equal("x86_64", root.Element("arch")!.Value);
        // Nothing but the flag is changed.
        var expected = XDocument.Parse(X86).Root!;
        expected.Elements("flag").Single(f => (string?)f.Attribute("name") == CapabilitiesTemplate.UnavailableFeaturesFlag).Remove();
        Assert.True(XNode.DeepEquals(XDocument.Parse(expected.ToString()).Root, XDocument.Parse(trimmed).Root), $"unexpected result:\n{trimmed}");
    }

    [Fact]
    public void ACacheThatHasNoSuchFlagOrIsNotX86IsReturnedUnchanged()
    {
        var trimmed = CapabilitiesTemplate.DropSlowCpuQuery(X86);
        Assert.Same(trimmed, CapabilitiesTemplate.DropSlowCpuQuery(trimmed));

        var aarch64 = X86.Replace("x86_64", "aarch64", StringComparison.Ordinal);
        Assert.Same(aarch64, CapabilitiesTemplate.DropSlowCpuQuery(aarch64));

        const string other = "<domainCaps><flag name='cpu-unavailable-features'/><arch>x86_64</arch></domainCaps>";
        Assert.Same(other, CapabilitiesTemplate.DropSlowCpuQuery(other));
    }
}
