using System.Diagnostics;
using System.Text;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Domain;

namespace Orvirt.Resilience.Tests;

/// <summary>
/// What libvirt on a node shows, as an operator sees it: <c>virsh</c> against each process pod's private libvirtd
/// below an agent's pods folder, and the QEMU pid files there.
/// </summary>
public static class Virsh
{
    /// <summary>How long one virsh run may take.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The names of running domains in every pod below <paramref name="podsDirectory"/> (a pod whose daemon is gone has none).</summary>
    public static async Task<IReadOnlyList<string>> RunningDomainsAsync(string podsDirectory)
    {
        var names = new List<string>();
        foreach (var pod in PodFolders(podsDirectory))
        {
            var socket = Path.Combine(pod, "sock", "libvirt-sock");
            if (!File.Exists(socket))
            {
                continue;
            }
            var (exit, stdout, stderr) = await RunAsync("-c", $"qemu+unix:///system?socket={socket}", "list", "--name", "--state-running");
            if (exit != 0)
            {
                // The daemon was stopped while we asked: it runs no domain.
                if (stderr.Contains("Failed to connect socket", StringComparison.Ordinal) || !File.Exists(socket))
                {
                    continue;
                }
                throw new InvalidOperationException($"virsh list on {socket} failed ({exit}): {stderr}");
            }
            names.AddRange(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        return names;
    }

    /// <summary>The pid of the QEMU that runs <paramref name="vm"/> in its pod below <paramref name="podsDirectory"/>, or null.</summary>
    public static int? QemuPid(string podsDirectory, VmId vm)
    {
        var file = Path.Combine(podsDirectory, DomainNames.PodId(vm), "run", "qemu", DomainNames.DomainName(vm) + ".pid");
        try
        {
            return int.TryParse(File.ReadAllText(file).Trim(), out var pid) && Orvirt.NodeAgent.Pods.ProcessTools.IsRunning(pid, null) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Pod folders below <paramref name="podsDirectory"/> (not the capabilities template).</summary>
    public static IReadOnlyList<string> PodFolders(string podsDirectory) =>
        Directory.Exists(podsDirectory)
            ? [.. Directory.EnumerateDirectories(podsDirectory).Where(d => !Path.GetFileName(d).StartsWith('.'))]
            : [];

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("virsh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
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
            process.Kill();
            await process.WaitForExitAsync();
            throw new TimeoutException($"virsh {string.Join(' ', args)} did not finish within {RunTimeout.TotalSeconds} s");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
