using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Orvirt.Web.Tests;

/// <summary>
/// The real node agent (<c>orvirt-agent.dll</c>) as a child process with libvirt's test driver, connected to a
/// silo's gateway. Dispose it to stop the process and delete its pods folder, even when a test fails.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _podsDirectory;

    private AgentProcess(Process process, string podsDirectory, string node)
    {
        _process = process;
        _podsDirectory = podsDirectory;
        Node = node;
    }

    /// <summary>The node name the agent registers.</summary>
    public string Node { get; }

    /// <summary>Everything the agent wrote so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts an agent for <paramref name="node"/> offering <paramref name="vcpus"/> vCPUs and 8 GiB.</summary>
    public static AgentProcess Start(string node, int gatewayPort, int vcpus)
    {
        var dll = LocateAgentDll();
        // Short: pod paths hold unix sockets (108 bytes at most).
        var pods = Directory.CreateTempSubdirectory("ow-").FullName;
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = pods,
        };
        foreach (var arg in new[] { dll, "--node", node, "--pods", pods, "--runtime", "test", "--gateway", $"127.0.0.1:{gatewayPort}" })
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["ORVIRT_AGENT__VCPUS"] = vcpus.ToString(CultureInfo.InvariantCulture);
        psi.Environment["ORVIRT_AGENT__MEMORYBYTES"] = (8L << 30).ToString(CultureInfo.InvariantCulture);
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        var process = new Process { StartInfo = psi };
        if (!process.Start())
        {
            Directory.Delete(pods, recursive: true);
            throw new InvalidOperationException($"could not start 'dotnet {dll}'");
        }
        var agent = new AgentProcess(process, pods, node);
        process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_podsDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temp folder must not fail the test that already ran.
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static string LocateAgentDll()
    {
        if (Environment.GetEnvironmentVariable("ORVIRT_AGENT_DLL") is { Length: > 0 } path)
        {
            return File.Exists(path) ? path : throw new FileNotFoundException($"ORVIRT_AGENT_DLL '{path}' does not exist; build NodeAgent/ or fix the path.");
        }
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var root = RepositoryRoot.Find();
        foreach (var candidate in new[] { configuration, configuration == "Debug" ? "Release" : "Debug" })
        {
            var dll = Path.Combine(root, "NodeAgent", "bin", candidate, "net10.0", "orvirt-agent.dll");
            if (File.Exists(dll))
            {
                return dll;
            }
        }
        throw new FileNotFoundException($"No built orvirt-agent.dll under {Path.Combine(root, "NodeAgent", "bin")}; run 'dotnet build NodeAgent' or set ORVIRT_AGENT_DLL.");
    }
}
