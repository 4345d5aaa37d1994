using System.Diagnostics;
using System.Text;
using Orvirt.Testing;

namespace Orvirt.EndToEnd.Tests;

/// <summary>Runs a host tool (virsh) with a bounded run time; a run that overstays is killed by its pid.</summary>
public static class HostProcess
{
    /// <summary>How long one run may take.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/> and returns what it printed.</summary>
    public static async Task<CliResult> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
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
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
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
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {RunTimeout.TotalSeconds} s");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr, $"{file} {string.Join(' ', args)}");
    }
}
