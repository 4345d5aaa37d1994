using Orvirt.Interfaces;
using Xunit.Sdk;

namespace Orvirt.Grains.Tests;

/// <summary>Polls with a deadline and fails with what was expected and what was last seen.</summary>
public static class Eventually
{
    /// <summary>How long a condition may take before the test fails.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>Probes until <paramref name="done"/> holds; fails with <paramref name="describe"/> of the last value.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string expectation, Func<T, string> describe)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new XunitException($"{expectation}: not reached within {Deadline.TotalSeconds} s; last seen: {describe(value)}");
            }
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Waits until the VM grain's snapshot satisfies <paramref name="done"/>.</summary>
    public static async Task<VmSnapshot> VmAsync(OrvirtClusterFixture cluster, VmId id, Func<VmSnapshot, bool> done, string expectation)
    {
        var result = await UntilAsync(
            () => cluster.Vm(id).GetAsync(),
            r => r.Vm is { } vm && done(vm),
            $"VM grain {id}: expected {expectation}",
            r => r.Vm is { } vm ? Describe(vm) : $"{r.Code}: {r.Message}");
        return result.Vm!;
    }

    /// <summary>A one-line account of a VM for failure messages.</summary>
    public static string Describe(VmSnapshot vm) =>
        $"printable={vm.Status.PrintableStatus} phase={vm.Status.Phase} domain={vm.Status.DomainState} node={vm.Status.Node ?? "-"} " +
        $"instance={vm.Status.InstanceId} generation={vm.Generation} restarts={vm.Status.RestartCount} " +
        $"conditions=[{string.Join("; ", vm.Status.Conditions.Select(c => $"{c.Type}={c.Status}/{c.Reason}: {c.Message}"))}]";
}
