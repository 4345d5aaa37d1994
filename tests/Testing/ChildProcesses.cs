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
}
