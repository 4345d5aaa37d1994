using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Orvirt.Testing;

/// <summary>
/// The real node agent (<c>orvirt-agent.dll</c>) as a child process, for tests and the benchmark. Dispose it to stop
/// the agent and then every pod daemon and QEMU process it left in its pod folder, and to delete the folders it created.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly bool _ownsPods;
    private readonly bool _ownsImages;
    private readonly EventHandler _onTestProcessExit;
    private int _disposed;

    private AgentProcess(Process process, string node, string pods, bool ownsPods, string images, bool ownsImages)
    {
        _process = process;
        Node = node;
        PodsDirectory = pods;
        ImagesDirectory = images;
        _ownsPods = ownsPods;
        _ownsImages = ownsImages;
        _onTestProcessExit = (_, _) => KillEverythingQuietly();
        AppDomain.CurrentDomain.ProcessExit += _onTestProcessExit;
    }

    public string Node { get; }

    public string PodsDirectory { get; }

    public string ImagesDirectory { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

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

    /// <summary>Starts the agent against the gateway on 127.0.0.1; the caller waits for the node to be Ready through the API.</summary>
    public static AgentProcess Start(AgentProcessOptions options)
    {
        var dll = BuiltDll.Locate("NodeAgent", "Orvirt.NodeAgent.csproj", "orvirt-agent.dll", "ORVIRT_AGENT_DLL", options.AgentDllPath);
        var ownsPods = options.PodsDirectory is null;
        // Short: pod sockets live below it and unix socket paths are limited to 108 bytes.
        var pods = options.PodsDirectory ?? Directory.CreateTempSubdirectory("ov-").FullName;
        var ownsImages = options.ImagesDirectory is null;
        var images = options.ImagesDirectory ?? Directory.CreateTempSubdirectory("ov-img-").FullName;
        Directory.CreateDirectory(pods);
        Directory.CreateDirectory(images);
        var psi = new ProcessStartInfo(BuiltDll.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "--node", options.Node, "--pods", pods, "--images", images, "--runtime", options.Runtime, "--gateway", string.Join(",", new[] { options.GatewayPort }.Concat(options.MoreGatewayPorts).Select(p => $"127.0.0.1:{p}")) })
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var a in options.ExtraArguments)
        {
            psi.ArgumentList.Add(a);
        }
        if (options.Vcpus > 0)
        {
            psi.Environment["ORVIRT_AGENT__VCPUS"] = options.Vcpus.ToString(CultureInfo.InvariantCulture);
        }
        if (options.MemoryBytes > 0)
        {
            psi.Environment["ORVIRT_AGENT__MEMORYBYTES"] = options.MemoryBytes.ToString(CultureInfo.InvariantCulture);
        }
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in options.Environment)
        {
            psi.Environment[key] = value;
        }
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start the agent '{dll}'");
        }
        var agent = new AgentProcess(process, options.Node, pods, ownsPods, images, ownsImages);
        process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>SIGKILL the agent alone (its pods and VMs keep running, as after a crash) and wait for it.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _ = SiloProcess.Kill(_process.Id, SigKill);
        }
        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Sends a signal to the agent alone (e.g. SIGSTOP 19 / SIGCONT 18).</summary>
    public void Signal(int signal) => SiloProcess.Kill(_process.Id, signal);

    /// <summary>
    /// Pids of every VM pod's daemon (libvirtd) and QEMU process found in the pod folder. The agent's warm pods
    /// (<c>.warm/</c>, started ahead of need and replaced in the background) are not VM pods and are left out.
    /// </summary>
    public IReadOnlyList<int> PodProcessIds() => PodPids(PodsDirectory, includeWarm: false);

    /// <summary>Stops the agent, then kills what its pods left running (QEMU first, then the daemons), then deletes owned folders.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        AppDomain.CurrentDomain.ProcessExit -= _onTestProcessExit;
        try
        {
            await ChildProcesses.StopAsync(_process, TimeSpan.FromSeconds(15)).ConfigureAwait(false);
            await KillPodProcessesAsync(PodsDirectory).ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
            if (_ownsPods)
            {
                SiloProcess.TryDeleteDirectory(PodsDirectory);
            }
            if (_ownsImages)
            {
                SiloProcess.TryDeleteDirectory(ImagesDirectory);
            }
        }
    }

    /// <summary>Kills (by pid, from the pods' pid files) every QEMU and libvirtd below <paramref name="podsDirectory"/> and waits until they are gone.</summary>
    public static async Task KillPodProcessesAsync(string podsDirectory)
    {
        var pids = PodPids(podsDirectory);
        foreach (var pid in pids)
        {
            _ = SiloProcess.Kill(pid, SigKill);
        }
        var deadline = Stopwatch.StartNew();
        while (pids.Any(p => Directory.Exists($"/proc/{p}") && !IsZombie(p)) && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            // Poll interval while the kernel tears the processes down; bounded by the deadline.
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    private static List<int> PodPids(string podsDirectory, bool includeWarm = true)
    {
        var pids = new List<int>();
        if (!Directory.Exists(podsDirectory))
        {
            return pids;
        }
        // QEMU pid files first so that the domains die before their daemons.
        var warm = Path.Combine(podsDirectory, ".warm") + "/";
        var files = Directory.EnumerateFiles(podsDirectory, "*.pid", SearchOption.AllDirectories)
            .Where(f => includeWarm || !f.StartsWith(warm, StringComparison.Ordinal))
            .OrderBy(f => f.EndsWith("libvirtd.pid", StringComparison.Ordinal) ? 1 : 0);
        foreach (var file in files)
        {
            try
            {
                if (int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid)
                    && pid > 1 && Directory.Exists($"/proc/{pid}"))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
                // A pid file removed while we read it: its process is gone.
            }
        }
        return pids;
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z';
        }
        catch (IOException)
        {
            return true;
        }
    }

    private void KillEverythingQuietly()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        foreach (var pid in PodPids(PodsDirectory))
        {
            _ = SiloProcess.Kill(pid, SigKill);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
