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

    /// <summary>Waits until the pod's folder has been removed (the agent deletes it last, after the daemon and QEMU).</summary>
    public static async Task FolderRemovedAsync(VmPod pod, string when, QemuCluster cluster, int timeoutSeconds = 30)
    {
        try
        {
            await Eventually.MatchAsync(() => Task.FromResult(pod.Exists), exists => !exists, $"pod folder {pod.Directory} removed {when}", TimeSpan.FromSeconds(timeoutSeconds));
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{cluster.Output}");
        }
    }
}
