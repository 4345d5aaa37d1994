using Microsoft.Extensions.Logging.Abstractions;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Tests.Agent;

/// <summary>
/// The periodic resync reports only what changed: a running VM whose grain accepted its observation is skipped, a VM
/// whose observation or desired state changed is synced and reported, and an asked-for resync reports every VM.
/// Test pods on libvirt's test driver, the control plane in memory.
/// </summary>
public sealed class ChangeOnlyResyncTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("ov-resync-").FullName;
    private readonly InMemoryControlPlane _control = new();
    private AgentController _agent = null!;

    public Task InitializeAsync()
    {
        var options = AgentControllerTests.Options(_root);
        _agent = new AgentController(options, new TestPodRuntime(options.PodsDirectory), _control, TimeProvider.System, NullLoggerFactory.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task APeriodicResyncSkipsARunningVmWhoseReportWasAcceptedAndAnAskedForOneReportsIt()
    {
        var d = AgentControllerTests.Desired("calm", 1);
        _control.Set(d);
        await _agent.StartAsync(CancellationToken.None);
        await _control.WaitForReportAsync(o => o.Name == "calm" && o.State == DomainState.Running, "calm Running");
        await SettledAsync("a running VM whose Running report was accepted");

        var before = _control.Reports.Count;
        Assert.Equal(1, await _agent.ResyncAsync(onlyUnsettled: false, CancellationToken.None));
        await _control.WaitForReportAsync(o => o.Name == "calm" && o.State == DomainState.Running, "calm Running after an asked-for resync", after: before);
    }

    [Fact]
    public async Task AnObservationThatChangedBehindTheAgentsBackIsReportedByThePeriodicResync()
    {
        var d = AgentControllerTests.Desired("drift", 1);
        _control.Set(d);
        await _agent.StartAsync(CancellationToken.None);
        await _control.WaitForReportAsync(o => o.Name == "drift" && o.State == DomainState.Running, "drift Running");
        await SettledAsync("a running VM whose Running report was accepted");

        // A lifecycle event whose sync was lost: the cache knows more than the grain.
        var before = _control.Reports.Count;
        _agent.Cache.Update(d.Id, DomainState.Running, "Migrated", "moved by hand");
        Assert.Equal(1, await _agent.ResyncAsync(onlyUnsettled: true, CancellationToken.None));
        await _control.WaitForReportAsync(o => o.Name == "drift" && o.Reason == "Migrated", "drift with the new reason", after: before);
        await SettledAsync("the VM once its new observation was accepted");
    }

    [Fact]
    public async Task ADesiredStateThatChangedWithoutAStreamMessageIsAppliedByThePeriodicResync()
    {
        var d = AgentControllerTests.Desired("lost", 1);
        _control.Set(d);
        await _agent.StartAsync(CancellationToken.None);
        await _control.WaitForReportAsync(o => o.Name == "lost" && o.State == DomainState.Running, "lost Running");
        await SettledAsync("a running VM whose Running report was accepted");

        // The stream message of the pause never arrived; only the assignments carry it.
        _control.Set(d with { Sequence = 2, Power = DesiredPower.Paused });
        Assert.Equal(1, await _agent.ResyncAsync(onlyUnsettled: true, CancellationToken.None));
        await _control.WaitForReportAsync(o => o.Name == "lost" && o.State == DomainState.Paused && o.DesiredSequence == 2, "lost Paused at sequence 2");
    }

    // The first report may be followed by one from the domain's own lifecycle event; once those are in, nothing is queued.
    private async Task SettledAsync(string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var queued = -1;
        while (DateTime.UtcNow < deadline)
        {
            queued = await _agent.ResyncAsync(onlyUnsettled: true, CancellationToken.None);
            if (queued == 0)
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"a periodic resync still queued {queued} VMs after 15 s; expected none for {what}");
    }
}
