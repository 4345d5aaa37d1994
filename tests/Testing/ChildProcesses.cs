using System.Diagnostics;

namespace Orvirt.Testing;

/// <summary>Stopping the child processes the fixtures start, always by pid.</summary>
public static class ChildProcesses
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    /// <summary>SIGTERM, wait up to <paramref name="grace"/>, then SIGKILL and wait for the exit.</summary>
    public static async Task StopAsync(Process process, TimeSpan grace)
    {
        if (process.HasExited)
        {
            return;
        }
        _ = SiloProcess.Kill(process.Id, SigTerm);
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _ = SiloProcess.Kill(process.Id, SigKill);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts <paramref name="psi"/> (which must redirect standard output and error), waits up to <paramref name="timeout"/>
    /// for it to exit and returns its exit code and output. On timeout the process tree is killed and a
    /// <see cref="TimeoutException"/> carries what it printed so far.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(ProcessStartInfo psi, TimeSpan timeout)
    {
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
        return await WaitToExitAsync(process, $"{psi.FileName} {string.Join(' ', psi.ArgumentList)}", timeout).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the output of the started <paramref name="process"/> (standard output and error redirected), writes
    /// <paramref name="stdin"/> to it when given, and waits up to <paramref name="timeout"/> for it to exit. On timeout the
    /// process tree is killed and a <see cref="TimeoutException"/> names <paramref name="what"/> and carries its output so far.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> WaitToExitAsync(Process process, string what, TimeSpan timeout, string? stdin = null)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
            throw new TimeoutException($"{what} did not finish within {timeout.TotalSeconds:0} s; stdout so far:\n{await stdout.ConfigureAwait(false)}\nstderr:\n{await stderr.ConfigureAwait(false)}");
        }
        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
