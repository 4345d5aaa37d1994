using System.Diagnostics;
using System.Text;

namespace Orvirt.Cluster.Tests;

/// <summary>Asks a process pod's private libvirtd through <c>virsh</c>, with a bounded run time (an overstaying run is killed by its pid).</summary>
public static class Virsh
{
    /// <summary>How long one virsh run may take.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    /// <summary>UUIDs of the running domains of the pod in <paramref name="podDirectory"/> (its socket is <c>sock/libvirt-sock</c>).</summary>
    public static async Task<IReadOnlyList<string>> RunningDomainsAsync(string podDirectory)
    {
        var uri = "qemu+unix:///system?socket=" + Path.Combine(podDirectory, "sock", "libvirt-sock");
        var psi = new ProcessStartInfo("virsh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var a in new[] { "-c", uri, "list", "--uuid", "--state-running" })
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start virsh");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(RunTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"virsh -c {uri} list did not finish within {RunTimeout.TotalSeconds} s");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"virsh -c {uri} list exited with {process.ExitCode}: {await stderr}");
        }
        return [.. (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
