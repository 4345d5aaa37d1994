using Orvirt.NodeAgent.Pods;

namespace Orvirt.EndToEnd.Tests;

/// <summary>A pod's private libvirtd killed from outside: the agent notices and starts a new one; the VM keeps running.</summary>
[Collection(QemuCollection.Name)]
public sealed class PodDaemonCrashTests(QemuCluster cluster)
{
    private const int SigKill = 9;

    private OrvirtCli Cli => cluster.Cli;

    [Fact]
    public async Task AKilledPodDaemonIsReplacedWithinTenSecondsAndTheVmStillRuns()
    {
        var ns = cluster.Namespace("daemon");
        const string name = "phoenix";
        var pod = cluster.Pod(ns, name);
        await Cli.CreateTinyVmAsync(ns, name);
        var before = await Cli.WaitForAsync(ns, name, "Running");
        var qemu = pod.RequireQemuPid();
        var daemon = pod.RequireDaemonPid();

        ProcessTools.Signal(daemon, SigKill);

        // Within 10 s a different libvirtd answers on the pod's socket and lists the domain.
        var answered = await Orvirt.Testing.Eventually.MatchAsync(
            async () => pod.DaemonPid() is { } pid && pid != daemon ? (Pid: pid, State: await pod.VirshListStateAsync()) : (Pid: 0, State: null),
            r => r.Pid != 0 && r.State is not null,
            $"a new libvirtd (the killed one was pid {daemon}) answering virsh on {pod.ConnectionUri}\n{cluster.Output}",
            TimeSpan.FromSeconds(10));
        Assert.False(VmPod.IsRunning(daemon), $"the killed libvirtd (pid {daemon}) should be gone");

        // Still the same QEMU, or (allowed by the run strategy) a new run that is Running.
        var after = await Cli.EventuallyAsync(ns, name, v => v.Status == "Running" && v.DomainState == "Running", "Running after its pod daemon was replaced");
        var qemuNow = pod.RequireQemuPid();
        Assert.True(qemuNow == qemu || after.InstanceId != before.InstanceId,
            $"QEMU changed from pid {qemu} to {qemuNow} without a new run: {after}");
        Assert.Equal("running", answered.State);

        await Cli.OkAsync("vm", "delete", name, "-n", ns);
        await Cli.WaitDeletedAsync(ns, name);
        await PodAssert.FolderRemovedAsync(pod, "after vm delete", cluster);
    }
}
