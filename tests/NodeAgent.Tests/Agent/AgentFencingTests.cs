using Microsoft.Extensions.Logging.Abstractions;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Tests.Agent;

/// <summary>The agent side of fencing on libvirt's test driver (test pods), with the control plane in memory.</summary>
public sealed class AgentFencingTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("ov-fence-").FullName;
    private readonly InMemoryControlPlane _control = new();
    private AgentOptions _options = null!;
    private AgentController _agent = null!;

    public Task InitializeAsync()
    {
        _options = AgentControllerTests.Options(_root);
        _agent = new AgentController(_options, new TestPodRuntime(_options.PodsDirectory), _control, TimeProvider.System, NullLoggerFactory.Instance);
        _control.PodsAtConfirmation = () => _agent.Pods.PodsOnDisk().Count + _agent.Cache.Keys.Count(id => _agent.Cache.Get(id).Exists);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task AFencedAgentDestroysEveryVmBeforeConfirmingAndTakesNewVmsAtTheEpochAfterTheFence()
    {
        var web = AgentControllerTests.Desired("web", 1);
        var db = AgentControllerTests.Desired("db", 1);
        _control.Set(web);
        _control.Set(db);
        await _agent.StartAsync(CancellationToken.None);
        await _control.WaitForReportAsync(o => o.Name == "web" && o.State == DomainState.Running, "web Running");
        await _control.WaitForReportAsync(o => o.Name == "db" && o.State == DomainState.Running, "db Running");

        // One confirmation is answered "still failing over": the agent must confirm again after a later heartbeat.
        var fenceEpoch = _control.Fence(confirmsStillFenced: 1);
        await ProcessPodWait.Until(() => _control.Confirmations.Count >= 2 && !_agent.Fence.IsFenced,
            $"the agent should confirm the cleanup twice and be readmitted; confirmations: [{string.Join(", ", _control.Confirmations)}]");

        Assert.All(_control.Confirmations, c => Assert.Equal(new FenceConfirmation(fenceEpoch, 0), c));
        Assert.False(_agent.Pods.PodExists(web.Id), "web's pod must be gone");
        Assert.False(_agent.Pods.PodExists(db.Id), "db's pod must be gone");
        Assert.Equal((fenceEpoch + 1, true, false), (_agent.Node!.Epoch, _agent.Node.Ready, _agent.Node.Fenced));

        // A late stream message of the old run (epoch before the fence) is void; a new assignment runs.
        var before = _control.Reports.Count;
        _agent.OnDesired(web with { Sequence = 7 });
        var fresh = AgentControllerTests.Desired("app", 1) with { Epoch = fenceEpoch + 1 };
        _control.Set(fresh);
        _agent.OnDesired(fresh);
        await _control.WaitForReportAsync(o => o.Name == "app" && o.State == DomainState.Running && o.Epoch == fenceEpoch + 1, "app Running at the new epoch", after: before);
        Assert.False(_agent.Pods.PodExists(web.Id), "the old run of web must not be started again after the fence");
        Assert.DoesNotContain(_control.Reports.Skip(before), r => r.Name == "web");
    }

    [Fact]
    public async Task AConfirmationWithAnOutdatedEpochIsRetriedWithTheEpochOfTheNextAnswer()
    {
        _control.Set(AgentControllerTests.Desired("web", 1));
        await _agent.StartAsync(CancellationToken.None);
        await _control.WaitForReportAsync(o => o.State == DomainState.Running, "web Running");

        var first = _control.Fence();
        _control.FailNextConfirmation(new ArgumentException("epoch is not the epoch the node was fenced at"));
        await ProcessPodWait.Until(() => _control.Confirmations.Count >= 2 && !_agent.Fence.IsFenced,
            $"the agent should be readmitted after re-reading the epoch; confirmations: [{string.Join(", ", _control.Confirmations)}]");

        Assert.Equal([first, first + 1], _control.Confirmations.Select(c => c.Epoch).ToArray());
        Assert.Equal(first + 2, _agent.Node!.Epoch);
    }

    [Fact]
    public async Task AConfirmationFromAnUnregisteredInstanceRegistersAgainAndThenConfirms()
    {
        await _agent.StartAsync(CancellationToken.None);
        var epoch = _control.Fence();
        _control.FailNextConfirmation(new InvalidOperationException("agent instance is not the one registered; register again"));
        await ProcessPodWait.Until(() => _control.Confirmations.Count >= 2 && !_agent.Fence.IsFenced,
            $"the agent should register again and be readmitted; confirmations: [{string.Join(", ", _control.Confirmations)}]");

        Assert.Equal(2, _control.Registrations);
        Assert.Equal(epoch, _control.Confirmations[^1].Epoch);
    }

    [Fact]
    public async Task AVmWhoseDomainDiedWhileTheNodeWasFencedIsNotStartedAgain()
    {
        var web = AgentControllerTests.Desired("web", 1);
        var reconciler = Reconciler(out var desired, out var fence, out var pods);
        fence.Observe(new NodeInfo { Name = "node-a", Registered = true, Ready = true, Epoch = 1 }, DateTimeOffset.UtcNow);
        desired.Offer(web);
        _control.Set(web);

        // Control: on a node that is not fenced the cached desired state starts the VM.
        await reconciler.SyncAsync(web.Id, CancellationToken.None);
        Assert.True(pods.PodExists(web.Id), "without a fence the VM should start");
        await pods.RemoveAsync(web.Id, CancellationToken.None);
        var reportsBefore = _control.Reports.Count;

        // The domain is gone (it died while the agent was frozen) and the node answers Fenced.
        fence.Observe(new NodeInfo { Name = "node-a", Registered = true, Fenced = true, Epoch = 2, Reason = "Fenced" }, DateTimeOffset.UtcNow);
        desired.Offer(web with { Sequence = 2 });
        await reconciler.SyncAsync(web.Id, CancellationToken.None);

        Assert.False(pods.PodExists(web.Id), "a fenced node must not start a VM from a desired state of an older epoch");
        Assert.Equal(DomainState.Absent, _agent.Cache.Get(web.Id).State);
        Assert.Equal(reportsBefore, _control.Reports.Count);
        pods.Dispose();
    }

    [Fact]
    public async Task AStartWaitsForAReadyAnswerWithinTheLeaseAndRunsAfterTheNextOne()
    {
        var web = AgentControllerTests.Desired("web", 1);
        var reconciler = Reconciler(out var desired, out var fence, out var pods);
        desired.Offer(web);
        _control.Set(web);
        var ready = new NodeInfo { Name = "node-a", Registered = true, Ready = true, Epoch = 1 };

        // The last Ready answer is older than the lease (the agent was frozen): the start is held back.
        fence.Observe(ready, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(5));
        await reconciler.SyncAsync(web.Id, CancellationToken.None);
        Assert.False(pods.PodExists(web.Id), "no start without a Ready answer within the lease");

        fence.Observe(ready, DateTimeOffset.UtcNow);
        Assert.Equal([web.Id], fence.TakeDeferred());
        await reconciler.SyncAsync(web.Id, CancellationToken.None);
        Assert.True(pods.PodExists(web.Id), "the held-back VM should start after a fresh Ready answer");
        await pods.RemoveAsync(web.Id, CancellationToken.None);
        pods.Dispose();
    }

    private VmReconciler Reconciler(out DesiredStore desired, out NodeFence fence, out PodSupervisor pods)
    {
        desired = new DesiredStore();
        fence = new NodeFence(TimeSpan.FromMinutes(1));
        pods = new PodSupervisor(new TestPodRuntime(_options.PodsDirectory), _options.ImagesDirectory, _agent.Cache, NullLogger<PodSupervisor>.Instance);
        return new VmReconciler(_options.Node, desired, _agent.Cache, pods, fence, _control, TimeProvider.System, NullLogger<VmReconciler>.Instance);
    }
}
