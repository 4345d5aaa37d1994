using Microsoft.Extensions.Logging.Abstractions;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;
using Orvirt.NodeAgent.Domain;
using Orvirt.NodeAgent.Pods;
using Orvirt.NodeAgent.Tests.Agent;

namespace Orvirt.NodeAgent.Tests.Pods;

/// <summary>The agent with real process pods and QEMU: adoption after an agent restart, a killed pod daemon, a killed QEMU.</summary>
[Collection(ProcessPodCollection.Name)]
public sealed class ProcessAgentTests(ProcessPodFixture fixture)
{
    [Fact]
    public async Task AfterAnAgentRestartTheVmIsAdoptedWithTheSameQemuPid()
    {
        var control = new InMemoryControlPlane();
        var d = AgentControllerTests.Desired("adopt", 1);
        control.Set(d);
        var pod = DomainNames.PodId(d.Id);
        int qemuPid;
        await using (var first = NewAgent(control))
        {
            await first.StartAsync(CancellationToken.None);
            await control.WaitForReportAsync(o => o.State == DomainState.Running, "Running from the first agent", 60);
            qemuPid = fixture.Runtime.QemuPid(pod, "ns_adopt") ?? throw new Xunit.Sdk.XunitException("no QEMU pid after start");
        }
        Assert.True(ProcessTools.IsRunning(qemuPid, null), "the VM must survive the agent stopping");

        var reportsBefore = control.Reports.Count;
        await using (var second = NewAgent(control))
        {
            await second.StartAsync(CancellationToken.None);
            var r = await control.WaitForReportAsync(o => o.State == DomainState.Running, "Running from the second agent", 30, reportsBefore);
            Assert.Equal(d.InstanceId, r.InstanceId);
            Assert.Equal(qemuPid, fixture.Runtime.QemuPid(pod, "ns_adopt"));
            Assert.Single(ProcessTools.FindByCommandLine("guest=ns_adopt,"));

            control.Set(d with { Sequence = 2, Power = DesiredPower.Absent });
            second.OnDesired(d with { Sequence = 2, Power = DesiredPower.Absent });
            await control.WaitForReportAsync(o => o.State == DomainState.Absent && o.DesiredSequence == 2, "Absent after delete", 30);
        }
        Assert.False(ProcessTools.IsRunning(qemuPid, null), "QEMU must be gone after Absent");
        Assert.False(Directory.Exists(fixture.Runtime.PodDirectory(pod)));
    }

    [Fact]
    public async Task AKilledPodDaemonIsRestartedWithinTenSecondsAndTheVmKeepsRunning()
    {
        var control = new InMemoryControlPlane();
        var d = AgentControllerTests.Desired("phoenix", 1);
        control.Set(d);
        var pod = DomainNames.PodId(d.Id);
        await using var agent = NewAgent(control);
        await agent.StartAsync(CancellationToken.None);
        await control.WaitForReportAsync(o => o.State == DomainState.Running, "Running", 60);
        var qemuPid = fixture.Runtime.QemuPid(pod, "ns_phoenix");
        var daemonPid = fixture.Runtime.DaemonPid(pod)!.Value;

        ProcessTools.Signal(daemonPid, 9);
        await ProcessPodWait.Until(() => fixture.Runtime.DaemonPid(pod) is { } p && p != daemonPid && agent.Pods.TryGet(d.Id) is not null,
            $"the pod daemon (was pid {daemonPid}) was not restarted and reconnected", 10);
        Assert.Equal(qemuPid, fixture.Runtime.QemuPid(pod, "ns_phoenix"));
        Assert.Equal(DomainState.Running, agent.Cache.Get(d.Id).State);

        await CleanUp(agent, control, d);
    }

    [Fact]
    public async Task AKilledQemuIsReportedCrashed()
    {
        var control = new InMemoryControlPlane();
        var d = AgentControllerTests.Desired("crashy", 1);
        control.Set(d);
        var pod = DomainNames.PodId(d.Id);
        await using var agent = NewAgent(control);
        await agent.StartAsync(CancellationToken.None);
        await control.WaitForReportAsync(o => o.State == DomainState.Running, "Running", 60);
        var qemuPid = fixture.Runtime.QemuPid(pod, "ns_crashy")!.Value;
        var before = control.Reports.Count;

        ProcessTools.Signal(qemuPid, 9);
        var r = await control.WaitForReportAsync(o => o.State == DomainState.Crashed, "Crashed after QEMU was killed", 15, before);
        Assert.Equal("Crashed", r.Reason);
        Assert.Equal(d.InstanceId, r.InstanceId);

        await CleanUp(agent, control, d);
    }

    private static async Task CleanUp(AgentController agent, InMemoryControlPlane control, VmDesired d)
    {
        var gone = d with { Sequence = 99, Power = DesiredPower.Absent };
        control.Set(gone);
        agent.OnDesired(gone);
        await control.WaitForReportAsync(o => o.Name == d.Name && o.State == DomainState.Absent && o.DesiredSequence == 99, "Absent after delete", 30);
    }

    private AgentController NewAgent(InMemoryControlPlane control)
    {
        var options = new AgentOptions
        {
            Node = "node-a",
            PodsDirectory = fixture.Root,
            ImagesDirectory = fixture.Images,
            HeartbeatInterval = TimeSpan.FromMilliseconds(500),
            Runtime = "process",
        };
        return new AgentController(options, fixture.Runtime, control, TimeProvider.System, NullLoggerFactory.Instance);
    }
}
