using System.Diagnostics;
using System.Text;

namespace Orvirt.Client.Tests.Cli;

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
        var psi = new ProcessStartInfo(DotnetHost())
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
    private static string LocateCliDll()
    {
        var path = Environment.GetEnvironmentVariable("ORVIRT_CLI_DLL");
        if (!string.IsNullOrEmpty(path))
        {
            return File.Exists(path) ? Path.GetFullPath(path) : throw new FileNotFoundException($"ORVIRT_CLI_DLL names '{path}', which does not exist; build Client/Orvirt.Cli or fix the path.", path);
        }
        var sep = Path.DirectorySeparatorChar;
        var configuration = AppContext.BaseDirectory.Contains($"{sep}Release{sep}", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var project = Path.Combine(dir.FullName, "Client", "Orvirt.Cli");
            if (!File.Exists(Path.Combine(project, "Orvirt.Cli.csproj")))
            {
                continue;
            }
            var dll = Path.Combine(project, "bin", configuration, "net10.0", "orvirt.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing; run 'dotnet build Client/Orvirt.Cli' or set ORVIRT_CLI_DLL.", dll);
        }
        throw new FileNotFoundException($"Could not find Client/Orvirt.Cli/Orvirt.Cli.csproj above {AppContext.BaseDirectory}; set ORVIRT_CLI_DLL to the path of orvirt.dll.");
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
