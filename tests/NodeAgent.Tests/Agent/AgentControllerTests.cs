using Microsoft.Extensions.Logging.Abstractions;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Tests.Agent;

/// <summary>The agent's logic end to end on libvirt's test driver (test pods), with the control plane in memory.</summary>
public sealed class AgentControllerTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("ov-agent-").FullName;
    private readonly InMemoryControlPlane _control = new();
    private AgentController _agent = null!;

    public Task InitializeAsync()
    {
        var options = Options(_root);
        _agent = new AgentController(options, new TestPodRuntime(options.PodsDirectory), _control, TimeProvider.System, NullLoggerFactory.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task AnAssignedVmIsStartedOnStartAndReportedRunningWithItsIdentity()
    {
        var d = Desired("web", 1);
        _control.Set(d);
        await _agent.StartAsync(CancellationToken.None);
        var r = await _control.WaitForReportAsync(o => o.Name == "web" && o.State == DomainState.Running, "web Running");
        Assert.Equal((d.Uid, d.InstanceId, "node-a", d.Epoch, d.Generation, d.Sequence, HypervisorKind.Test), (r.Uid, r.InstanceId, r.Node, r.Epoch, r.ObservedGeneration, r.DesiredSequence, r.Hypervisor));
        Assert.Equal(1, _control.Registrations);
    }

    [Fact]
    public async Task StreamMessagesPauseResumeStopAndDeleteTheVmAndOldMessagesAreIgnored()
    {
        await _agent.StartAsync(CancellationToken.None);
        var d = Desired("db", 1);
        _control.Set(d);
        _agent.OnDesired(d);
        await _control.WaitForReportAsync(o => o.State == DomainState.Running, "Running");

        Send(d with { Sequence = 2, Power = DesiredPower.Paused });
        await _control.WaitForReportAsync(o => o.State == DomainState.Paused && o.DesiredSequence == 2, "Paused at seq 2");

        Send(d with { Sequence = 3, Power = DesiredPower.Running });
        await _control.WaitForReportAsync(o => o.State == DomainState.Running && o.DesiredSequence == 3, "Running at seq 3");

        // An old message (sequence 2, Paused) arriving late must not pause the VM again.
        var before = _control.Reports.Count;
        _agent.OnDesired(d with { Sequence = 2, Power = DesiredPower.Paused });
        Assert.Equal(3, _agent.Desired.Get(d.Id)!.Sequence);

        Send(d with { Sequence = 4, Power = DesiredPower.Stopped, ForceStop = true });
        await _control.WaitForReportAsync(o => o.State == DomainState.Shutoff && o.DesiredSequence == 4, "Shutoff at seq 4");
        Assert.DoesNotContain(_control.Reports.Skip(before), o => o.State == DomainState.Paused);

        Send(d with { Sequence = 5, Power = DesiredPower.Absent });
        await _control.WaitForReportAsync(o => o.State == DomainState.Absent && o.DesiredSequence == 5, "Absent at seq 5");
        Assert.False(_agent.Pods.PodExists(d.Id), "the pod folder should be removed for Absent");
    }

    [Fact]
    public async Task ANewInstanceIdReplacesTheRun()
    {
        var d = Desired("app", 1);
        _control.Set(d);
        await _agent.StartAsync(CancellationToken.None);
        await _control.WaitForReportAsync(o => o.State == DomainState.Running, "first run Running");
        var next = d with { Sequence = 2, InstanceId = "run-2" };
        Send(next);
        var r = await _control.WaitForReportAsync(o => o.State == DomainState.Running && o.InstanceId == "run-2", "second run Running");
        Assert.Equal("run-2", _agent.Cache.Get(d.Id).InstanceId);
        Assert.Equal(2, r.DesiredSequence);
    }

    [Fact]
    public async Task AVmWhoseGrainNoLongerExistsIsDestroyedAtTheNextResync()
    {
        var d = Desired("gone", 1);
        _control.Set(d);
        await _agent.StartAsync(CancellationToken.None);
        await _control.WaitForReportAsync(o => o.State == DomainState.Running, "Running");
        _control.Remove(d.Id);
        await _agent.ResyncAsync(CancellationToken.None);
        await ProcessPodWait.Until(() => !_agent.Pods.PodExists(d.Id) && _agent.Cache.Get(d.Id).State == DomainState.Absent,
            "the pod and domain of a deleted VM should be removed");
    }

    [Fact]
    public async Task AVmMovedToAnotherNodeIsRemovedFromThisOne()
    {
        var d = Desired("mover", 1);
        _control.Set(d);
        await _agent.StartAsync(CancellationToken.None);
        await _control.WaitForReportAsync(o => o.State == DomainState.Running, "Running");
        Send(d with { Sequence = 2, Node = "node-b", Epoch = 2 });
        await ProcessPodWait.Until(() => !_agent.Pods.PodExists(d.Id) && _agent.Cache.Get(d.Id).State == DomainState.Absent,
            "the pod and domain of a VM moved to node-b should be removed from node-a");
    }

    [Fact]
    public async Task AnImagePathThatLeavesTheImageFolderIsReportedAsAStartFailureNamingTheFix()
    {
        var d = Desired("bad", 1) with
        {
            Spec = new VmSpec { MemoryBytes = 64L << 20, Disks = [new DiskSpec { Name = "root", Source = DiskSource.Image, ImagePath = "missing.qcow2" }] },
        };
        _control.Set(d);
        await _agent.StartAsync(CancellationToken.None);
        var r = await _control.WaitForReportAsync(o => o.State == DomainState.Crashed, "Crashed");
        Assert.Equal("StartFailed", r.Reason);
        Assert.Contains("was not found in the node's image folder", r.Message, StringComparison.Ordinal);
    }

    internal static AgentOptions Options(string root) => new()
    {
        Node = "node-a",
        PodsDirectory = Path.Combine(root, "pods"),
        ImagesDirectory = Directory.CreateDirectory(Path.Combine(root, "images")).FullName,
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        Runtime = "test",
    };

    internal static VmDesired Desired(string name, long seq) => new()
    {
        Namespace = "ns",
        Name = name,
        Uid = "uid-" + name,
        InstanceId = "run-1",
        Generation = 1,
        Sequence = seq,
        Node = "node-a",
        Epoch = 1,
        Power = DesiredPower.Running,
        StopGracePeriodSeconds = 1,
        Spec = new VmSpec { MemoryBytes = 64L << 20, Interfaces = [new InterfaceSpec()] },
    };

    private void Send(VmDesired d)
    {
        _control.Set(d);
        _agent.OnDesired(d);
    }
}
