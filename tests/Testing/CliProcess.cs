using System.Diagnostics;
using System.Text;

namespace Orvirt.Testing;

/// <summary>Runs the real <c>orvirt</c> binary (<c>dotnet orvirt.dll</c>) as a child process.</summary>
public static class CliProcess
{
    /// <summary>A run that takes longer than this is killed (by its pid) and fails the test.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    private static readonly Lazy<string> Dll = new(LocateCliDll);

    /// <summary>Runs <c>orvirt ARGS</c> against <paramref name="server"/> (via ORVIRT_SERVER) and waits for it.</summary>
    public static async Task<CliResult> RunAsync(Uri? server, IEnumerable<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(server, args, environment, redirectInput: stdin is not null);
        var what = "orvirt " + string.Join(' ', args);
        var (code, stdout, stderr) = await ChildProcesses.WaitToExitAsync(process, what, RunTimeout, stdin).ConfigureAwait(false);
        return new CliResult(code, stdout, stderr, what);
    }

    /// <summary>Starts <c>orvirt ARGS</c> without waiting; the caller reads its output and disposes it (which kills it).</summary>
    public static Process Start(Uri? server, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, bool redirectInput = false)
    {
        var psi = new ProcessStartInfo(BuiltDll.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(Dll.Value);
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

    /// <summary>
    /// <c>$ORVIRT_CLI_DLL</c>, else the CLI project's own build output (its deps.json and runtimeconfig match it;
    /// the copy in this test's output does not, because this project also uses the ASP.NET Core framework).
    /// </summary>
    private static string LocateCliDll() =>
        BuiltDll.Locate(Path.Combine("Client", "Orvirt.Cli"), "Orvirt.Cli.csproj", "orvirt.dll", "ORVIRT_CLI_DLL");
}
