using System.Collections.Immutable;
using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

[Collection(EmptyClusterCollection.Name)]
public sealed class EmptyClusterTests(ClusterFixture cluster)
{
    [Fact]
    public async Task WithNoNodeRegisteredAVmIsUnschedulableAndIsPlacedWhenANodeAppears()
    {
        var id = new VmId("empty", "first-vm");

        await cluster.Vm(id).CreateAsync(new VmSpec());

        var waiting = await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.ErrorUnschedulable, "ErrorUnschedulable");
        Assert.Equal(("Unschedulable", "no Ready node: 0 nodes registered"),
            (waiting.Status.Condition(ConditionTypes.Failure)?.Reason, waiting.Status.Condition(ConditionTypes.Failure)?.Message));

        await using var agent = await FakeAgent.StartAsync(cluster.Client, "only-node",
            new NodeResources { Vcpus = 2, MemoryBytes = 1L << 30 }, ImmutableDictionary<string, string>.Empty);

        var desired = await agent.WaitForDesiredAsync(id, d => d.Power == DesiredPower.Running, "the VM placed on the first node");
        await agent.ReportAsync(desired, DomainState.Running);
        var running = await Eventually.VmAsync(cluster, id, vm => vm.Status.PrintableStatus == PrintableStatus.Running, "Running");
        Assert.Equal("only-node", running.Status.Node);
    }
}
