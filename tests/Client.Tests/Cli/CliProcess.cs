using System.Diagnostics;
using System.Text;

namespace Orvirt.Client.Tests.Cli;

/// <summary>Runs the real <c>orvirt</c> binary (<c>dotnet orvirt.dll</c>) as a child process.</summary>
public static class CliProcess
{
    /// <summary>A run that takes longer than this is killed (by its pid) and fails the test.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "orvirt.dll");

    /// <summary>Runs <c>orvirt ARGS</c> against <paramref name="server"/> (via ORVIRT_SERVER) and waits for it.</summary>
    public static async Task<CliResult> RunAsync(Uri? server, IEnumerable<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(server, args, environment, redirectInput: stdin is not null);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        using var cts = new CancellationTokenSource(RunTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
            throw new TimeoutException($"orvirt {string.Join(' ', args)} did not finish within {RunTimeout.TotalSeconds} s; stdout so far:\n{await stdout.ConfigureAwait(false)}\nstderr:\n{await stderr.ConfigureAwait(false)}");
        }
        return new CliResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), "orvirt " + string.Join(' ', args));
    }

    /// <summary>Starts <c>orvirt ARGS</c> without waiting; the caller reads its output and disposes it (which kills it).</summary>
    public static Process Start(Uri? server, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, bool redirectInput = false)
    {
        if (!File.Exists(Dll))
        {
            throw new FileNotFoundException($"The CLI {Dll} is missing; build tests/Client.Tests (it references Client/Orvirt.Cli).", Dll);
        }
        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Remove("ORVIRT_SERVER");
        psi.Environment.Remove("ORVIRT_TOKEN");
        if (server is not null)
        {
            psi.Environment["ORVIRT_SERVER"] = server.ToString();
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start " + psi.FileName);
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
