namespace Orvirt.EndToEnd.Tests;

/// <summary>The node agent dies (SIGKILL) while VMs run and a new one starts on the same node and pods folder.</summary>
[Collection(QemuCollection.Name)]
public sealed class AgentCrashTests(QemuCluster cluster)
{
    private OrvirtCli Cli => cluster.Cli;

    [Fact]
    public async Task AfterTheAgentIsKilledAndStartedAgainItsVmsKeepRunningUntouchedAndAreAdopted()
    {
        var ns = cluster.Namespace("agent");
        string[] names = ["first", "second"];
        foreach (var name in names)
        {
            await Cli.CreateTinyVmAsync(ns, name);
        }
        var qemuBefore = new Dictionary<string, int>();
        var instanceBefore = new Dictionary<string, string>();
        foreach (var name in names)
        {
            instanceBefore[name] = (await Cli.WaitForAsync(ns, name, "Running")).InstanceId;
            qemuBefore[name] = cluster.Pod(ns, name).RequireQemuPid();
        }

        await using var watch = VmWatch.Start(cluster.Server, ns);
        foreach (var name in names)
        {
            await watch.WaitForAsync(e => e.Vm.Name == name, $"the watch's initial event for {name}");
        }
        var killedAt = DateTimeOffset.UtcNow;
        var oldAgent = cluster.Agent.Pid;
        var agent = await cluster.KillAgentAndStartAnotherAsync();
        Assert.NotEqual(oldAgent, agent.Pid);

        // The new agent found both pods with their domains running and took them over.
        foreach (var name in names)
        {
            await Orvirt.Testing.Eventually.MatchAsync(() => Task.FromResult(agent.Output), o => o.Contains($"{ns}/{name}: adopted pod (Running", StringComparison.Ordinal),
                $"the new agent to log that it adopted {ns}/{name}\n{cluster.Output}", TimeSpan.FromSeconds(60));
        }
        await cluster.WaitNodeReadyAsync(killedAt);
        // A barrier in the watch: once this VM's ADDED event is printed, every earlier status change is too.
        await Cli.CreateTinyVmAsync(ns, "marker", "Halted");
        await watch.WaitForAsync(e => e.Vm.Name == "marker", "the marker VM's event after adoption");

        foreach (var name in names)
        {
            var seen = watch.Events.Where(e => e.Vm.Name == name).ToList();
            Assert.NotEmpty(seen);
            Assert.True(seen.All(e => e.Vm.Status == "Running"), $"{ns}/{name} left Running while the agent was replaced:\n{watch}");
            var now = await Cli.GetAsync(ns, name);
            Assert.Equal("Running", now.Status);
            Assert.Equal(instanceBefore[name], now.InstanceId);
            Assert.Equal(qemuBefore[name], cluster.Pod(ns, name).RequireQemuPid());
        }

        // The new agent controls them: deleting them removes their pods.
        foreach (var name in names.Append("marker"))
        {
            await Cli.OkAsync("vm", "delete", name, "-n", ns);
        }
        foreach (var name in names)
        {
            await Cli.WaitDeletedAsync(ns, name);
            var pod = cluster.Pod(ns, name);
            await PodAssert.FolderRemovedAsync(pod, "by the new agent", cluster);
            await PodAssert.GoneAsync(qemuBefore[name], $"{name}'s QEMU after vm delete", cluster);
        }
    }
}
