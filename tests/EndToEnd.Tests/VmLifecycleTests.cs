using System.Diagnostics;
using Orvirt.Client;
using Xunit.Abstractions;

namespace Orvirt.EndToEnd.Tests;

/// <summary>A real QEMU VM through its whole life, driven by the <c>orvirt</c> CLI and checked with virsh and /proc.</summary>
[Collection(QemuCollection.Name)]
public sealed class VmLifecycleTests(QemuCluster cluster, ITestOutputHelper output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private OrvirtCli Cli => cluster.Cli;

    [Fact]
    public async Task AVmBootsPausesStopsStartsRestartsAndIsDeletedWithItsPod()
    {
        var ns = cluster.Namespace("life");
        const string name = "vm1";
        var pod = cluster.Pod(ns, name);

        await Cli.CreateTinyVmAsync(ns, name);
        Step("created");
        var running = await Cli.WaitForAsync(ns, name, "Running", timeoutSeconds: 30);
        Assert.Equal(cluster.Node, running.Node);
        Assert.Equal(KvmOpens() ? "Kvm" : "Tcg", running.Hypervisor);
        Assert.True(running.Ready, running.ToString());
        Assert.NotEmpty(running.InstanceId);
        Assert.Equal("running", await pod.VirshListStateAsync());
        var firstQemu = pod.RequireQemuPid();
        Step("running");

        await Cli.OkAsync("vm", "pause", name, "-n", ns);
        await Cli.WaitForAsync(ns, name, "Paused");
        Assert.Equal("paused", await pod.VirshListStateAsync());
        await Cli.OkAsync("vm", "unpause", name, "-n", ns);
        var unpaused = await Cli.WaitForAsync(ns, name, "Running");
        Assert.Equal("running", await pod.VirshListStateAsync());
        Assert.Equal(running.InstanceId, unpaused.InstanceId);
        Assert.Equal(firstQemu, pod.RequireQemuPid());
        Step("paused and unpaused");

        // The guest has no OS to answer the ACPI shutdown: a short grace period, then the agent destroys the domain.
        await Cli.OkAsync("vm", "stop", name, "-n", ns, "--grace-period", "1");
        await Cli.WaitForAsync(ns, name, "Stopped");
        await WaitGoneAsync(firstQemu, "the QEMU process after vm stop");
        Assert.Null(pod.QemuPid());
        Step("stopped");

        await Cli.OkAsync("vm", "start", name, "-n", ns);
        var started = await Cli.WaitForAsync(ns, name, "Running");
        Assert.NotEqual(running.InstanceId, started.InstanceId);
        Assert.Equal("running", await pod.VirshListStateAsync());
        var secondQemu = pod.RequireQemuPid();
        Assert.NotEqual(firstQemu, secondQemu);
        Step("started");

        await Cli.OkAsync("vm", "restart", name, "-n", ns);
        var restarted = await Cli.EventuallyAsync(ns, name, v => v.Status == "Running" && v.InstanceId != started.InstanceId, "Running with a new instance id after vm restart");
        Assert.NotEmpty(restarted.InstanceId);
        Assert.Equal("running", await pod.VirshListStateAsync());
        await WaitGoneAsync(secondQemu, "the previous run's QEMU after vm restart");
        Step("restarted");

        var daemon = pod.RequireDaemonPid();
        var lastQemu = pod.RequireQemuPid();
        await Cli.OkAsync("vm", "delete", name, "-n", ns);
        await Cli.WaitDeletedAsync(ns, name);
        var get = await Cli.RunAsync("vm", "get", name, "-n", ns);
        Assert.True(get.ExitCode == ExitCodes.NotFound, get.ToString());
        await PodAssert.FolderRemovedAsync(pod, "after vm delete", cluster);
        await WaitGoneAsync(lastQemu, "the QEMU process after vm delete");
        await WaitGoneAsync(daemon, "the pod's libvirtd after vm delete");
        var virsh = await pod.VirshAsync("list", "--all");
        Assert.True(virsh.ExitCode != 0, $"the pod's daemon should be gone, yet virsh answered:\n{virsh}");
        Step("deleted");
    }

    [Fact]
    public async Task ADeleteDuringALongGracefulStopOfAGuestThatIgnoresAcpiDoesNotWaitOutTheGracePeriod()
    {
        var ns = cluster.Namespace("stopdel");
        const string name = "vm1";
        var pod = cluster.Pod(ns, name);
        await Cli.CreateTinyVmAsync(ns, name);
        await Cli.WaitForAsync(ns, name, "Running", timeoutSeconds: 30);
        var qemu = pod.RequireQemuPid();

        // The guest has no OS, so it never answers the ACPI shutdown: without the delete the agent would wait 600 s.
        await Cli.OkAsync("vm", "stop", name, "-n", ns, "--grace-period", "600");
        var agent = cluster.Agent;
        await Orvirt.Testing.Eventually.MatchAsync(() => Task.FromResult(agent.Output), o => o.Contains($"{ns}/{name}: Shutdown (", StringComparison.Ordinal),
            $"the agent to begin the graceful stop of {ns}/{name}\n{cluster.Output}", TimeSpan.FromSeconds(60));
        Step("graceful stop under way");

        await Cli.OkAsync("vm", "delete", name, "-n", ns);
        await Cli.WaitDeletedAsync(ns, name);
        Assert.Contains($"{ns}/{name}: graceful stop ended early: the VM was deleted", agent.Output, StringComparison.Ordinal);
        await PodAssert.FolderRemovedAsync(pod, "after vm delete during a graceful stop", cluster);
        await WaitGoneAsync(qemu, "the QEMU process after vm delete during a graceful stop");
        Step("deleted during the stop");
    }

    /// <summary>What the agent decides too: KVM when /dev/kvm opens read-write, else TCG.</summary>
    private static bool KvmOpens()
    {
        try
        {
            using var kvm = new FileStream("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void Step(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:0.0} s  {what}");

    private Task WaitGoneAsync(int pid, string what) => PodAssert.GoneAsync(pid, what, cluster);
}
