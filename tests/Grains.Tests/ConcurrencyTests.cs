using System.Collections.Immutable;
using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ConcurrencyTests(ClusterFixture cluster)
{
    private const int Parallel = 50;

    private static VmId NewId(string prefix) => new("concurrency", $"{prefix}-{Guid.NewGuid():N}"[..30]);

    private static string NewNode(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private static VmSpec SpecFor(string node, RunStrategy strategy) => new()
    {
        RunStrategy = strategy,
        NodeSelector = ImmutableDictionary<string, string>.Empty.Add("suite", node),
    };

    private async Task<long> SequenceAsync(VmId id) => (await cluster.Vm(id).GetDesiredAsync())!.Sequence;

    [Fact]
    public async Task FiftyParallelUpdatesWithTheSameExpectedGenerationHaveExactlyOneWinner()
    {
        var id = NewId("cas");
        var spec = SpecFor(NewNode("cas"), RunStrategy.Halted);
        Assert.Equal(1L, (await cluster.Vm(id).CreateAsync(spec)).Vm!.Generation);

        var results = await Task.WhenAll(Enumerable.Range(1, Parallel).Select(i =>
            cluster.Vm(id).UpdateAsync(spec with { MemoryBytes = (128L + i) << 20, Labels = spec.Labels.Add("writer", $"w{i}") }, expectedGeneration: 1)));

        var winner = Assert.Single(results, r => r.Code == VmResultCode.Ok);
        Assert.All(results.Where(r => !ReferenceEquals(r, winner)), r =>
        {
            Assert.Equal(VmResultCode.Conflict, r.Code);
            Assert.Contains("generation 2, not the expected 1", r.Message);
        });
        var stored = (await cluster.Vm(id).GetAsync()).Vm!;
        Assert.Equal(2L, stored.Generation);
        Assert.True(stored.Spec.SameMachineAs(winner.Vm!.Spec), $"stored memory {stored.Spec.MemoryBytes} is not the winner's {winner.Vm.Spec.MemoryBytes}");
        Assert.Equal(winner.Vm.Spec.Labels["writer"], stored.Spec.Labels["writer"]);
    }

    [Fact]
    public async Task ParallelStartsBeginOneRunAndParallelStopsAskOnce()
    {
        await using var agent = await cluster.StartAgentAsync(NewNode("starts"));
        var id = NewId("starts");
        await cluster.Vm(id).CreateAsync(SpecFor(agent.Node, RunStrategy.Manual));
        var beforeStarts = await SequenceAsync(id);

        var starts = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => cluster.Vm(id).StartAsync()));

        Assert.Equal("start requested", Assert.Single(starts, r => r.Code == VmResultCode.Ok).Message);
        Assert.All(starts.Where(r => r.Code != VmResultCode.Ok), r => Assert.Equal((VmResultCode.Refused, VmRequestRules.AlreadyRunning), (r.Code, r.Message)));
        var started = (await cluster.Vm(id).GetDesiredAsync())!;
        Assert.Equal((beforeStarts + 1, DesiredPower.Running, agent.Node), (started.Sequence, started.Power, started.Node));
        await agent.ReportAsync(started, DomainState.Running);
        var running = await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.Running, "Running");
        Assert.Equal((started.InstanceId, 0), (running.Status.InstanceId, running.Status.RestartCount));

        var stops = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => cluster.Vm(id).StopAsync(new StopOptions())));

        Assert.All(stops, r => Assert.Equal(VmResultCode.Ok, r.Code));
        Assert.Single(stops, r => r.Message == "stop requested");
        Assert.Equal(Parallel - 1, stops.Count(r => r.Message == "stop already requested"));
        var stopping = (await cluster.Vm(id).GetDesiredAsync())!;
        Assert.Equal((started.Sequence + 1, DesiredPower.Stopped, started.InstanceId), (stopping.Sequence, stopping.Power, stopping.InstanceId));
        await agent.ReportAsync(stopping, DomainState.Shutoff, "Stopped");
        var stopped = await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.Stopped, "Stopped");
        Assert.Equal((VmPhase.Succeeded, 0), (stopped.Status.Phase, stopped.Status.RestartCount));
    }

    [Fact]
    public async Task ParallelRestartsBeginExactlyOneNewRun()
    {
        await using var agent = await cluster.StartAgentAsync(NewNode("restarts"));
        var id = NewId("restarts");
        await cluster.Vm(id).CreateAsync(SpecFor(agent.Node, RunStrategy.Always));
        var first = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running, "the first run");
        await agent.ReportAsync(first, DomainState.Running);
        await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.Running, "Running");
        var before = await SequenceAsync(id);

        var restarts = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => cluster.Vm(id).RestartAsync()));

        Assert.All(restarts, r => Assert.Equal(VmResultCode.Ok, r.Code));
        Assert.Single(restarts, r => r.Message == "restart requested");
        Assert.Equal(Parallel - 1, restarts.Count(r => r.Message == "restart already requested"));
        var vm = (await cluster.Vm(id).GetAsync()).Vm!;
        Assert.Equal((1, PrintableStatus.Starting), (vm.Status.RestartCount, vm.Status.PrintableStatus));
        Assert.NotEqual(first.InstanceId, vm.Status.InstanceId);
        Assert.Equal(before + 1, await SequenceAsync(id));

        // Once the new run is up, a restart is a restart again.
        var second = await agent.WaitForDesiredAsync(id, d => d.InstanceId == vm.Status.InstanceId, "the restarted run");
        await agent.ReportAsync(second, DomainState.Running);
        await Eventually.VmAsync(cluster, id, v => v.Status.PrintableStatus == PrintableStatus.Running, "Running the restarted run");
        Assert.Equal("restart requested", (await cluster.Vm(id).RestartAsync()).Message);
        Assert.Equal(2, (await cluster.Vm(id).GetAsync()).Vm!.Status.RestartCount);
    }

    [Theory]
    [InlineData(RunStrategy.Manual)]
    [InlineData(RunStrategy.Halted)]
    public async Task ADeleteRacingAStartEndsDeleted(RunStrategy strategy)
    {
        await using var agent = await cluster.StartAgentAsync(NewNode("race"));
        var node = cluster.Client.GetGrain<INodeGrain>(agent.Node);
        var ids = Enumerable.Range(0, 10).Select(i => NewId($"race{i}")).ToList();
        foreach (var id in ids)
        {
            await cluster.Vm(id).CreateAsync(SpecFor(agent.Node, strategy));
        }

        // Half of them send the start first, half the delete first; all at once.
        var raced = await Task.WhenAll(ids.Select(async (id, i) =>
        {
            var delete = i % 2 == 0 ? null : cluster.Vm(id).DeleteAsync();
            var start = cluster.Vm(id).StartAsync();
            delete ??= cluster.Vm(id).DeleteAsync();
            return (Id: id, Start: await start, Delete: await delete);
        }));

        foreach (var (id, start, delete) in raced)
        {
            Assert.Equal(VmResultCode.Ok, delete.Code);
            Assert.True(start.Code is VmResultCode.Ok or VmResultCode.NotFound or VmResultCode.Refused, $"start of {id}: {start.Code} {start.Message}");
            if (await cluster.Vm(id).GetDesiredAsync() is { } left)
            {
                // The start won and placed a run: the delete asks the agent to remove it, then the VM goes.
                Assert.Equal((DesiredPower.Absent, PrintableStatus.Terminating), (left.Power, (await cluster.Vm(id).GetAsync()).Vm!.Status.PrintableStatus));
                var absent = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Absent, "removal of the started run");
                Assert.True((await agent.ReportAsync(absent, DomainState.Absent)).Accepted);
            }
            Assert.Equal(VmResultCode.NotFound, (await cluster.Vm(id).GetAsync()).Code);
            Assert.Equal(VmResultCode.NotFound, (await cluster.Vm(id).StartAsync()).Code);
        }
        Assert.Equal(0, (await node.GetInfoAsync()).VmCount);
        Assert.Empty(await node.GetAssignmentsAsync());
        var listed = await cluster.Client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex).ListAsync(new VmListQuery { Namespace = "concurrency" });
        Assert.DoesNotContain(listed.Items, ids.Contains);
    }
}
