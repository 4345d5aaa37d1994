namespace Orvirt.EndToEnd.Tests;

/// <summary>The silo stops and starts again on the same ports and data folder while the agent and its VMs keep running.</summary>
[Collection(QemuCollection.Name)]
public sealed class SiloRestartTests(QemuCluster cluster)
{
    private OrvirtCli Cli => cluster.Cli;

    [Fact]
    public async Task AfterASiloRestartTheAgentReconnectsResubscribesAndTheVmRunsOnUntouched()
    {
        var ns = cluster.Namespace("silo");
        const string name = "steady";
        var pod = cluster.Pod(ns, name);
        await Cli.CreateTinyVmAsync(ns, name);
        var before = await Cli.WaitForAsync(ns, name, "Running");
        var qemu = pod.RequireQemuPid();
        var agentPid = cluster.Agent.Pid;
        var agentLogBefore = cluster.Agent.Output.Length;

        var restartedAt = DateTimeOffset.UtcNow;
        await cluster.RestartSiloAsync();

        // The same agent process heartbeats to the new silo, and the VM's state was kept.
        await cluster.WaitNodeReadyAsync(restartedAt);
        Assert.Equal(agentPid, cluster.Agent.Pid);
        Assert.False(cluster.Agent.HasExited, $"the agent should survive the silo restart\n{cluster.Output}");
        await Orvirt.Testing.Eventually.MatchAsync(
            () => Task.FromResult(cluster.Agent.Output[agentLogBefore..]),
            log => log.Contains("subscribed to its desired-state stream", StringComparison.Ordinal),
            $"the agent to log that it subscribed to its node stream again after the silo restart\n{cluster.Output}");
        var after = await Cli.WaitForAsync(ns, name, "Running");
        Assert.Equal(before.InstanceId, after.InstanceId);
        Assert.Equal(qemu, pod.RequireQemuPid());

        // The agent follows new desired state from the new silo (its stream subscription or resync works again).
        await Cli.OkAsync("vm", "pause", name, "-n", ns);
        await Cli.WaitForAsync(ns, name, "Paused");
        Assert.Equal("paused", await pod.VirshListStateAsync());
        await Cli.OkAsync("vm", "unpause", name, "-n", ns);
        await Cli.WaitForAsync(ns, name, "Running");
        Assert.Equal("running", await pod.VirshListStateAsync());
        Assert.Equal(qemu, pod.RequireQemuPid());

        // Deleting a running VM destroys its domain at once (no ACPI grace), on the new silo as on the old one.
        await Cli.OkAsync("vm", "delete", name, "-n", ns);
        await Cli.WaitDeletedAsync(ns, name);
        await PodAssert.FolderRemovedAsync(pod, "after vm delete", cluster);
    }
}
