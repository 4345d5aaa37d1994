using Orvirt.Api.V1;

namespace Orvirt.Cluster.Tests;

/// <summary>What must not change about a running VM while silos die and restart: its run, its node, its phase history.</summary>
public sealed record VmSnapshot(string Name, string PrintableStatus, string Node, string InstanceId, int RestartCount, string Transitions)
{
    /// <summary>The snapshot of <paramref name="vm"/>.</summary>
    public static VmSnapshot Of(VirtualMachine vm) => new(
        vm.Metadata.Name,
        vm.Status.PrintableStatus,
        vm.Status.Node,
        vm.Status.InstanceId,
        vm.Status.RestartCount,
        string.Join(">", vm.Status.PhaseTransitions.Select(t => t.Phase)));
}
