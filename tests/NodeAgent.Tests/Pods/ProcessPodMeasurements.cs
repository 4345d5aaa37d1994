using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Orvirt.NodeAgent.Domain;
using Orvirt.NodeAgent.Libvirt;
using Orvirt.NodeAgent.Pods;
using Xunit.Abstractions;

namespace Orvirt.NodeAgent.Tests.Pods;

/// <summary>
/// Ten real VMs in ten process pods: asserts they all run and are all gone afterwards, and prints (does not assert)
/// define-to-running and destroy latency and per-daemon / per-VM memory (PSS).
/// Run: dotnet test tests/NodeAgent.Tests --filter Category=Measure --logger "console;verbosity=detailed"
/// </summary>
[Collection(ProcessPodCollection.Name)]
[Trait("Category", "Measure")]
public sealed class ProcessPodMeasurements(ProcessPodFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task TenTinyVmsRunInTheirOwnPodsAndLeaveNothingBehind()
    {
        const int count = 10;
        var podStart = new List<double>();
        var defineToRunning = new List<double>();
        var destroy = new List<double>();
        var daemonPss = new List<long>();
        var qemuPss = new List<long>();
        var managers = new List<(string Pod, DomainManager Manager, string Domain)>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var d = ProcessPodTests.Desired($"m{i}");
                var pod = DomainNames.PodId(d.Id);
                var sw = Stopwatch.StartNew();
                await fixture.Runtime.EnsurePodAsync(pod, CancellationToken.None);
                podStart.Add(sw.Elapsed.TotalMilliseconds);
                var manager = new DomainManager(fixture.Runtime.ConnectionUri(pod), fixture.Runtime.PodDirectory(pod), HypervisorDetector.DomainType(fixture.Runtime.Hypervisor), fixture.Images, NullLogger.Instance);
                managers.Add((pod, manager, DomainNames.DomainName(d.Id)));
                sw.Restart();
                var snap = await manager.SyncAsync(d, CancellationToken.None);
                defineToRunning.Add(sw.Elapsed.TotalMilliseconds);
                Assert.Equal(LibvirtDomainState.Running, snap.State);
            }
            foreach (var (pod, _, domain) in managers)
            {
                daemonPss.Add(PssKiB(fixture.Runtime.DaemonPid(pod)!.Value));
                qemuPss.Add(PssKiB(fixture.Runtime.QemuPid(pod, domain)!.Value));
            }
            foreach (var (pod, manager, domain) in managers)
            {
                var pid = fixture.Runtime.QemuPid(pod, domain)!.Value;
                var sw = Stopwatch.StartNew();
                await manager.KillAsync(domain, CancellationToken.None);
                destroy.Add(sw.Elapsed.TotalMilliseconds);
                Assert.False(ProcessTools.IsRunning(pid, null), $"QEMU {pid} of {domain} still runs after destroy returned");
            }
        }
        finally
        {
            foreach (var (pod, manager, domain) in managers)
            {
                await manager.DeleteAsync(domain, CancellationToken.None);
                manager.Dispose();
                await fixture.Runtime.RemovePodAsync(pod, CancellationToken.None);
            }
        }
        Assert.Empty(fixture.Runtime.ListPods());
        Assert.True(Directory.EnumerateFiles(Path.Combine(fixture.Root, ".template", "capabilities")).Any(), "the first pod's QEMU capabilities should be kept as the template for the next pods");
        output.WriteLine($"hypervisor {fixture.Runtime.Hypervisor}, {count} VMs of 64 MiB, 1 vCPU, no disk");
        output.WriteLine($"pod start (libvirtd up and answering): {Summary(podStart)} ms");
        output.WriteLine($"define->running: {Summary(defineToRunning)} ms");
        output.WriteLine($"destroy (QEMU gone): {Summary(destroy)} ms");
        output.WriteLine($"libvirtd PSS: {Summary(daemonPss.Select(k => k / 1024.0).ToList())} MiB");
        output.WriteLine($"QEMU PSS (idle guest): {Summary(qemuPss.Select(k => k / 1024.0).ToList())} MiB");
    }

    private static string Summary(List<double> values)
    {
        var sorted = values.Order().ToList();
        return string.Create(CultureInfo.InvariantCulture, $"p50 {sorted[sorted.Count / 2]:0.0}, max {sorted[^1]:0.0}, min {sorted[0]:0.0}");
    }

    private static long PssKiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
        {
            if (line.StartsWith("Pss:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
