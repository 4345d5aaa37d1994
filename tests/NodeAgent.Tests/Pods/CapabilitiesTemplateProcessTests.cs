using System.Xml.Linq;
using Microsoft.Extensions.Logging.Abstractions;
using Orvirt.NodeAgent.Domain;
using Orvirt.NodeAgent.Libvirt;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Tests.Pods;

/// <summary>The QEMU capabilities template of <see cref="ProcessPodRuntime"/> with real libvirtd daemons, in a pods root of its own.</summary>
[Collection(ProcessPodCollection.Name)]
public sealed class CapabilitiesTemplateProcessTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("ovc-").FullName;

    private string TemplateDirectory => Path.Combine(_root, ".template", "capabilities");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "images"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        var runtime = Runtime();
        await ProcessPodTests.RemoveEverythingAsync(runtime, _root);
    }

    [Fact]
    public async Task QemuIsProbedOnceBeforeAnyPodPodsStartFromTheTrimmedTemplateAndAStaleTemplateIsReplaced()
    {
        var runtime = Runtime();
        await runtime.StartWarmPoolAsync(CancellationToken.None);
        Assert.False(Directory.Exists(Path.Combine(_root, ".probe")), "the probe pod's folder should be removed once the template is written");
        Assert.Empty(ProcessTools.FindByCommandLine(_root + "/"));
        var templateFile = X86CacheFile(TemplateDirectory);
        var probed = await File.ReadAllTextAsync(templateFile);

        // A pod starts from the template without the slow CPU query, its libvirtd accepts that cache (does not probe and
        // rewrite it), and runs a VM.
        var desired = ProcessPodTests.Desired("seeded");
        var pod = DomainNames.PodId(desired.Id);
        await runtime.EnsurePodAsync(pod, CancellationToken.None);
        var podCache = Path.Combine(runtime.PodDirectory(pod), "cache", "qemu", "capabilities", Path.GetFileName(templateFile));
        Assert.Equal(CapabilitiesTemplate.DropSlowCpuQuery(probed), await File.ReadAllTextAsync(podCache));
        Assert.DoesNotContain(CapabilitiesTemplate.UnavailableFeaturesFlag, await File.ReadAllTextAsync(podCache), StringComparison.Ordinal);
        using (var manager = new DomainManager(runtime.ConnectionUri(pod), runtime.PodDirectory(pod), HypervisorDetector.DomainType(runtime.Hypervisor), Path.Combine(_root, "images"), NullLogger.Instance))
        {
            var snap = await manager.SyncAsync(desired, CancellationToken.None);
            Assert.Equal(LibvirtDomainState.Running, snap.State);
            await manager.DeleteAsync(DomainNames.DomainName(desired.Id), CancellationToken.None);
        }
        Assert.Equal(CapabilitiesTemplate.DropSlowCpuQuery(probed), await File.ReadAllTextAsync(podCache));
        Assert.Equal(probed, await File.ReadAllTextAsync(templateFile));
        await runtime.RemovePodAsync(pod, CancellationToken.None);

        // A template libvirt no longer accepts (here: another QEMU binary ctime, as after an upgrade): the next pod's
        // libvirtd probes again and its fresh cache replaces the template.
        var stale = XDocument.Parse(probed, LoadOptions.PreserveWhitespace);
        stale.Root!.Element("qemuctime")!.Value = "1";
        await File.WriteAllTextAsync(templateFile, stale.Root.ToString(SaveOptions.DisableFormatting));
        var next = Runtime();
        var second = DomainNames.PodId(ProcessPodTests.Desired("reprobed").Id);
        await next.EnsurePodAsync(second, CancellationToken.None);
        Assert.True(next.IsAlive(second));
        var replaced = XDocument.Parse(await File.ReadAllTextAsync(X86CacheFile(TemplateDirectory))).Root!;
        Assert.Equal(XDocument.Parse(probed).Root!.Element("qemuctime")!.Value, replaced.Element("qemuctime")!.Value);
        await next.RemovePodAsync(second, CancellationToken.None);
    }

    private ProcessPodRuntime Runtime() => new(_root, HypervisorDetector.Detect(), TimeSpan.FromSeconds(60), NullLogger<ProcessPodRuntime>.Instance);

    private static string X86CacheFile(string directory)
    {
        Assert.True(Directory.Exists(directory), $"no capabilities cache in {directory}");
        var files = Directory.EnumerateFiles(directory, "*.xml").ToList();
        return files.SingleOrDefault(f => XDocument.Load(f).Root?.Element("arch")?.Value == "x86_64")
            ?? throw new Xunit.Sdk.XunitException($"no x86_64 emulator among the cached capabilities in {directory}: {string.Join(", ", files.Select(Path.GetFileName))}");
    }
}
