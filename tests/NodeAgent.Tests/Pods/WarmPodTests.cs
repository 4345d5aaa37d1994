using Microsoft.Extensions.Logging.Abstractions;
using Orvirt.NodeAgent.Domain;
using Orvirt.NodeAgent.Libvirt;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Tests.Pods;

/// <summary>The warm pod pool of <see cref="ProcessPodRuntime"/>, each test with its own pods root and runtime.</summary>
[Collection(ProcessPodCollection.Name)]
public sealed class WarmPodTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("ovw-").FullName;
    private ProcessPodRuntime _runtime = null!;

    private string WarmRoot => Path.Combine(_root, ".warm");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "images"));
        _runtime = new ProcessPodRuntime(_root, HypervisorDetector.Detect(), TimeSpan.FromSeconds(60), NullLogger<ProcessPodRuntime>.Instance, warmPods: 2);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _runtime.StopWarmPoolAsync();
        await ProcessPodTests.RemoveEverythingAsync(_runtime, _root);
    }

    [Fact]
    public async Task AWarmPodIsClaimedByTheNextPodRunsItsVmSurvivesADaemonRestartAndThePoolLeavesNothingWhenStopped()
    {
        await _runtime.StartWarmPoolAsync(CancellationToken.None);
        await ProcessPodTests.WaitUntil(() => _runtime.WarmPodsReady == 2, $"the pool did not fill to 2 (ready: {_runtime.WarmPodsReady})", seconds: 90);
        var warmDaemons = WarmDaemonPids();
        Assert.Equal(2, warmDaemons.Count);

        // The next pod is a warm one: its libvirtd was already running before the pod was asked for.
        var desired = ProcessPodTests.Desired("warm");
        var pod = DomainNames.PodId(desired.Id);
        await _runtime.EnsurePodAsync(pod, CancellationToken.None);
        var daemon = _runtime.DaemonPid(pod);
        Assert.NotNull(daemon);
        Assert.Contains(daemon.Value, warmDaemons);
        Assert.Contains(pod, _runtime.ListPods());
        Assert.DoesNotContain(daemon.Value, WarmDaemonPids());

        using (var manager = Manager(pod))
        {
            var snap = await manager.SyncAsync(desired, CancellationToken.None);
            Assert.Equal(LibvirtDomainState.Running, snap.State);
        }
        var qemu = _runtime.QemuPid(pod, "ns_warm");
        Assert.NotNull(qemu);
        Assert.Matches(@"\sns_warm\s+running", await ProcessPodTests.Virsh(_runtime.ConnectionUri(pod), "list"));

        // The pool refills behind the claim.
        await ProcessPodTests.WaitUntil(() => _runtime.WarmPodsReady == 2, $"the pool did not refill to 2 (ready: {_runtime.WarmPodsReady})", seconds: 90);

        // The claimed pod's configuration names its new folder: a restarted daemon answers there and still runs the VM.
        await ProcessTools.TerminateAsync(daemon.Value, TimeSpan.FromSeconds(5), CancellationToken.None);
        await _runtime.RestartDaemonAsync(pod, CancellationToken.None);
        Assert.NotEqual(daemon, _runtime.DaemonPid(pod));
        Assert.Matches(@"\sns_warm\s+running", await ProcessPodTests.Virsh(_runtime.ConnectionUri(pod), "list"));
        Assert.Equal(qemu, _runtime.QemuPid(pod, "ns_warm"));

        using (var manager = Manager(pod))
        {
            await manager.DeleteAsync("ns_warm", CancellationToken.None);
        }
        await _runtime.RemovePodAsync(pod, CancellationToken.None);
        var refilled = WarmDaemonPids();
        await _runtime.StopWarmPoolAsync();
        Assert.Equal(0, _runtime.WarmPodsReady);
        Assert.True(!Directory.Exists(WarmRoot) || !Directory.EnumerateFileSystemEntries(WarmRoot).Any(), $"warm pod folders left: {string.Join(", ", Directory.EnumerateFileSystemEntries(WarmRoot))}");
        Assert.All(refilled, pid => Assert.False(ProcessTools.IsRunning(pid, "libvirtd"), $"warm libvirtd {pid} still runs after the pool stopped"));
        Assert.Empty(ProcessTools.FindByCommandLine(_root + "/"));
    }

    [Fact]
    public async Task WarmPodsLeftByAnEarlierRunAreRemovedWhenThePoolStarts()
    {
        await _runtime.StartWarmPoolAsync(CancellationToken.None);
        await ProcessPodTests.WaitUntil(() => _runtime.WarmPodsReady == 2, $"the pool did not fill to 2 (ready: {_runtime.WarmPodsReady})", seconds: 90);
        var earlier = WarmDaemonPids();

        // A second agent run on the same folder (the first one died without stopping its pool).
        var next = new ProcessPodRuntime(_root, HypervisorDetector.Detect(), TimeSpan.FromSeconds(60), NullLogger<ProcessPodRuntime>.Instance, warmPods: 1);
        try
        {
            await next.StartWarmPoolAsync(CancellationToken.None);
            Assert.All(earlier, pid => Assert.False(ProcessTools.IsRunning(pid, "libvirtd"), $"libvirtd {pid} of the earlier run still runs"));
            await ProcessPodTests.WaitUntil(() => next.WarmPodsReady == 1, $"the new pool did not fill to 1 (ready: {next.WarmPodsReady})", seconds: 90);
            Assert.Single(WarmDaemonPids());
        }
        finally
        {
            await next.StopWarmPoolAsync();
        }
        Assert.Empty(WarmDaemonPids());
    }

    [Fact]
    public async Task WithoutWarmPodsEveryPodStartsItsOwnDaemon()
    {
        var cold = new ProcessPodRuntime(_root, HypervisorDetector.Detect(), TimeSpan.FromSeconds(60), NullLogger<ProcessPodRuntime>.Instance);
        await cold.StartWarmPoolAsync(CancellationToken.None);
        var pod = DomainNames.PodId(ProcessPodTests.Desired("cold").Id);
        await cold.EnsurePodAsync(pod, CancellationToken.None);
        Assert.True(cold.IsAlive(pod));
        Assert.False(Directory.Exists(WarmRoot), "a runtime without warm pods must not create the warm folder");
        await cold.RemovePodAsync(pod, CancellationToken.None);
    }

    private List<int> WarmDaemonPids() =>
        Directory.Exists(WarmRoot)
            ? [.. Directory.EnumerateDirectories(WarmRoot)
                .Select(d => Path.Combine(d, "libvirtd.pid"))
                .Where(File.Exists)
                .Select(f => int.Parse(File.ReadAllText(f).Trim(), System.Globalization.CultureInfo.InvariantCulture))
                .Where(pid => ProcessTools.IsRunning(pid, "libvirtd"))]
            : [];

    private DomainManager Manager(string pod) =>
        new(_runtime.ConnectionUri(pod), _runtime.PodDirectory(pod), HypervisorDetector.DomainType(_runtime.Hypervisor), Path.Combine(_root, "images"), NullLogger.Instance);
}
