using Orvirt.Testing;

namespace Orvirt.EndToEnd.Tests;

/// <summary>Waits (with a deadline) for host-side facts about pod processes.</summary>
public static class PodAssert
{
    /// <summary>Waits until <paramref name="pid"/> no longer runs (gone or a zombie).</summary>
    public static async Task GoneAsync(int pid, string what, QemuCluster cluster, int timeoutSeconds = 15)
    {
        try
        {
            await Eventually.MatchAsync(() => Task.FromResult(VmPod.IsRunning(pid)), running => !running, $"{what} (pid {pid}) to end", TimeSpan.FromSeconds(timeoutSeconds));
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{cluster.Output}");
        }
    }
}
