using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Domain;
using Orvirt.NodeAgent.Libvirt;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Tests.Pods;

[Collection(ProcessPodCollection.Name)]
public sealed class ProcessPodTests(ProcessPodFixture fixture)
{
    private ProcessPodRuntime Runtime => fixture.Runtime;

    [Fact]
    public async Task ATinyVmRunsPausesResumesIsDestroyedAfterGraceAndItsPodIsRemoved()
    {
        var desired = Desired("tiny", disks: [new DiskSpec { Name = "scratch", Source = DiskSource.EmptyDisk, SizeBytes = 4L << 20 }]);
        var pod = DomainNames.PodId(desired.Id);
        await Runtime.EnsurePodAsync(pod, CancellationToken.None);
        await Runtime.EnsurePodAsync(pod, CancellationToken.None); // idempotent
        Assert.True(Runtime.IsAlive(pod));
        Assert.Contains(pod, Runtime.ListPods());
        var daemonPid = Runtime.DaemonPid(pod)!.Value;

        using var manager = Manager(pod);
        var snap = await manager.SyncAsync(desired, CancellationToken.None);
        Assert.Equal(LibvirtDomainState.Running, snap.State);
        Assert.Equal(desired.InstanceId, snap.Metadata!.InstanceId);
        var uri = Runtime.ConnectionUri(pod);
        Assert.Matches(@"\sns_tiny\s+running", await Virsh(uri, "list"));
        var qemuPid = Runtime.QemuPid(pod, "ns_tiny");
        Assert.NotNull(qemuPid);
        Assert.True(File.Exists(Path.Combine(Runtime.PodDirectory(pod), "disks", "disk-scratch.qcow2")));

        // Sync again with the same run: nothing restarts.
        await manager.SyncAsync(desired, CancellationToken.None);
        Assert.Equal(qemuPid, Runtime.QemuPid(pod, "ns_tiny"));

        await manager.PauseAsync("ns_tiny", CancellationToken.None);
        Assert.Equal("paused", (await Virsh(uri, "domstate", "ns_tiny")).Trim());
        await manager.ResumeAsync("ns_tiny", CancellationToken.None);
        Assert.Equal("running", (await Virsh(uri, "domstate", "ns_tiny")).Trim());

        // A diskless guest has no OS to answer ACPI: the grace period ends in a destroy.
        var byGuest = await manager.ShutdownAsync("ns_tiny", TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.False(byGuest);
        Assert.Equal("shut off", (await Virsh(uri, "domstate", "ns_tiny")).Trim());
        await WaitUntil(() => !ProcessTools.IsRunning(qemuPid!.Value, null), $"QEMU pid {qemuPid} of ns_tiny still runs after destroy");

        await manager.DeleteAsync("ns_tiny", CancellationToken.None);
        Assert.Null(await manager.GetAsync("ns_tiny", CancellationToken.None));
        manager.Dispose();
        await Runtime.RemovePodAsync(pod, CancellationToken.None);
        Assert.False(ProcessTools.IsRunning(daemonPid, "libvirtd"), $"libvirtd {daemonPid} still runs after pod removal");
        Assert.False(Directory.Exists(Runtime.PodDirectory(pod)));
        Assert.DoesNotContain(pod, Runtime.ListPods());
    }

    [Fact]
    public async Task AKilledDaemonIsNoticedAndRestartedAndTheDomainKeepsRunning()
    {
        var desired = Desired("survivor");
        var pod = DomainNames.PodId(desired.Id);
        await Runtime.EnsurePodAsync(pod, CancellationToken.None);
        var manager = Manager(pod);
        var disconnected = new TaskCompletionSource<ConnectionCloseReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        manager.Disconnected += r => disconnected.TrySetResult(r);
        await manager.SyncAsync(desired, CancellationToken.None);
        var qemuPid = Runtime.QemuPid(pod, "ns_survivor");
        Assert.NotNull(qemuPid);

        ProcessTools.Signal(Runtime.DaemonPid(pod)!.Value, 9);
        var reason = await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(reason is ConnectionCloseReason.Eof or ConnectionCloseReason.Error or ConnectionCloseReason.Keepalive, $"close reason {reason}");
        Assert.False(manager.IsConnected);
        manager.Dispose();
        await WaitUntil(() => !Runtime.IsAlive(pod), "the killed daemon still looks alive");

        await Runtime.RestartDaemonAsync(pod, CancellationToken.None);
        using var again = Manager(pod);
        var snap = await again.GetAsync("ns_survivor", CancellationToken.None);
        Assert.NotNull(snap);
        Assert.Equal(LibvirtDomainState.Running, snap.State);
        Assert.Equal(desired.InstanceId, snap.Metadata!.InstanceId);
        Assert.Equal(qemuPid, Runtime.QemuPid(pod, "ns_survivor"));

        await again.DeleteAsync("ns_survivor", CancellationToken.None);
        again.Dispose();
        await Runtime.RemovePodAsync(pod, CancellationToken.None);
        Assert.False(ProcessTools.IsRunning(qemuPid!.Value, null));
    }

    [Fact]
    public async Task ANewRunReplacesTheDomainOfTheOldRun()
    {
        var first = Desired("again");
        var pod = DomainNames.PodId(first.Id);
        await Runtime.EnsurePodAsync(pod, CancellationToken.None);
        using var manager = Manager(pod);
        await manager.SyncAsync(first, CancellationToken.None);
        var firstPid = Runtime.QemuPid(pod, "ns_again");
        var second = first with { InstanceId = Guid.NewGuid().ToString("N"), Sequence = 2 };
        var snap = await manager.SyncAsync(second, CancellationToken.None);
        Assert.Equal(second.InstanceId, snap.Metadata!.InstanceId);
        Assert.Equal(LibvirtDomainState.Running, snap.State);
        Assert.NotEqual(firstPid, Runtime.QemuPid(pod, "ns_again"));
        Assert.False(ProcessTools.IsRunning(firstPid!.Value, null));
        await manager.DeleteAsync("ns_again", CancellationToken.None);
        manager.Dispose();
        await Runtime.RemovePodAsync(pod, CancellationToken.None);
    }

    [Fact]
    public void APodsDirectoryTooLongForUnixSocketsIsRefusedWithTheFix()
    {
        var e = Assert.Throws<ArgumentException>(() => new ProcessPodRuntime("/tmp/" + new string('d', 90), HypervisorKind.Tcg, TimeSpan.FromSeconds(1), NullLogger<ProcessPodRuntime>.Instance));
        Assert.Contains("unix socket limit", e.Message, StringComparison.Ordinal);
    }

    internal static VmDesired Desired(string name, ImmutableArray<DiskSpec>? disks = null) => new()
    {
        Namespace = "ns",
        Name = name,
        Uid = Guid.NewGuid().ToString(),
        InstanceId = Guid.NewGuid().ToString("N"),
        Generation = 1,
        Sequence = 1,
        Node = "n1",
        Spec = new VmSpec { MemoryBytes = 64L << 20, Disks = disks ?? [], Interfaces = [new InterfaceSpec()] },
    };

    private DomainManager Manager(string pod) =>
        new(Runtime.ConnectionUri(pod), Runtime.PodDirectory(pod), HypervisorDetector.DomainType(Runtime.Hypervisor), fixture.Images, NullLogger.Instance);

    internal static async Task<string> Virsh(string uri, params string[] args)
    {
        var psi = new ProcessStartInfo("virsh") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(uri);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"virsh {string.Join(' ', args)} failed: {await p.StandardError.ReadToEndAsync()}");
        return output;
    }

    internal static async Task WaitUntil(Func<bool> condition, string failure, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{failure} (waited {seconds} s)");
            await Task.Delay(20);
        }
    }

    /// <summary>Removes every pod of <paramref name="runtime"/>, ends any daemon still running below <paramref name="root"/> and deletes it.</summary>
    internal static async Task RemoveEverythingAsync(ProcessPodRuntime runtime, string root)
    {
        foreach (var pod in runtime.ListPods())
        {
            await runtime.RemovePodAsync(pod, CancellationToken.None);
        }
        foreach (var pid in ProcessTools.FindByCommandLine(root + "/"))
        {
            await ProcessTools.TerminateAsync(pid, TimeSpan.FromSeconds(2), CancellationToken.None);
        }
        Directory.Delete(root, recursive: true);
    }
}
