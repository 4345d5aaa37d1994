using Orvirt.NodeAgent.Pods;

namespace Orvirt.EndToEnd.Tests;

/// <summary>QEMU killed from outside (SIGKILL by pid): what each run strategy does, as <c>orvirt</c> shows it.</summary>
[Collection(QemuCollection.Name)]
public sealed class QemuCrashTests(QemuCluster cluster)
{
    private const int SigKill = 9;

    private OrvirtCli Cli => cluster.Cli;

    [Theory]
    [InlineData("Always")]
    [InlineData("RerunOnFailure")]
    public async Task AKilledQemuIsBroughtBackAfterABackoffThatTheStatusShows(string runStrategy)
    {
        var ns = cluster.Namespace("crash-" + runStrategy.ToLowerInvariant());
        const string name = "crashy";
        var pod = cluster.Pod(ns, name);
        await Cli.CreateTinyVmAsync(ns, name, runStrategy);
        var before = await Cli.WaitForAsync(ns, name, "Running");
        var qemu = pod.RequireQemuPid();
        await using var watch = VmWatch.Start(cluster.Server, ns);
        await watch.WaitForAsync(e => e.Vm.Name == name && e.Vm.Status == "Running", "the watch's initial Running event");

        ProcessTools.Signal(qemu, SigKill);

        var back = await Cli.EventuallyAsync(ns, name, v => v.Status == "Running" && v.InstanceId != before.InstanceId,
            $"Running again with a new instance id after its QEMU (pid {qemu}) was killed");
        Assert.True(back.ConsecutiveFailures >= 1, $"the status should count the crash in startFailure: {back}");
        Assert.Equal("running", await pod.VirshListStateAsync());
        var newQemu = pod.RequireQemuPid();
        Assert.NotEqual(qemu, newQemu);
        Assert.False(VmPod.IsRunning(qemu), $"the killed QEMU (pid {qemu}) should be gone");
        // While it waited for the backoff the user saw why: CrashLoopBackOff, or the Failure condition naming the crash.
        var waiting = await watch.WaitForAsync(
            e => e.Vm.Name == name && (e.Vm.Status == "CrashLoopBackOff" || e.Vm.Failure is not null),
            "an event showing CrashLoopBackOff or a Failure condition between the crash and the restart");
        Assert.True(waiting.Vm.ConsecutiveFailures >= 1, waiting.ToString());

        await DeleteAsync(ns, name, pod);
    }

    [Theory]
    [InlineData("Once")]
    [InlineData("Manual")]
    public async Task AKilledQemuStaysStoppedAndTheStatusSaysItCrashed(string runStrategy)
    {
        var ns = cluster.Namespace("crash-" + runStrategy.ToLowerInvariant());
        const string name = "crashy";
        var pod = cluster.Pod(ns, name);
        await Cli.CreateTinyVmAsync(ns, name, runStrategy);
        if (runStrategy == "Manual")
        {
            await Cli.OkAsync("vm", "start", name, "-n", ns);
        }
        var before = await Cli.WaitForAsync(ns, name, "Running");
        var qemu = pod.RequireQemuPid();

        ProcessTools.Signal(qemu, SigKill);

        var stopped = await Cli.WaitForAsync(ns, name, "Stopped");
        var failure = stopped.Failure;
        Assert.True(failure is not null, $"a Failure condition should say why it stopped: {stopped}");
        Assert.Contains("crash", $"{failure.Reason} {failure.Message}", StringComparison.OrdinalIgnoreCase);
        Assert.Equal(runStrategy, stopped.RunStrategy);
        Assert.Equal(before.InstanceId, stopped.InstanceId);
        Assert.False(VmPod.IsRunning(qemu), $"the killed QEMU (pid {qemu}) should be gone");
        Assert.Null(pod.QemuPid());

        await DeleteAsync(ns, name, pod);
    }

    private async Task DeleteAsync(string ns, string name, VmPod pod)
    {
        await Cli.OkAsync("vm", "delete", name, "-n", ns);
        await Cli.WaitDeletedAsync(ns, name);
        await PodAssert.FolderRemovedAsync(pod, "after vm delete", cluster);
    }
}
