using System.Text;
using System.Text.Json;
using Orvirt.NodeAgent.Pods;
using Orvirt.Testing;

namespace Orvirt.EndToEnd.Tests;

/// <summary>
/// A real silo and one real node agent with process pods (a private libvirtd per VM, real QEMU), shared by the suite.
/// The pods, images and silo data folders belong to this fixture, so that agents and the silo can be killed and
/// started again on them. When the suite ends it deletes every VM it left through the CLI, stops everything, and
/// reports (to <see cref="LeakCheckTests"/>, which fails) if any libvirtd, QEMU or tini the agents started, or any pod folder, is left.
/// </summary>
public sealed class QemuCluster : IAsyncLifetime
{
    private readonly List<AgentProcess> _retiredAgents = [];
    private SiloProcess? _silo;
    private AgentProcess? _agent;
    private PodProcessLedger? _ledger;

    public QemuCluster()
    {
        Cli = new OrvirtCli(() => Server, () => Output);
    }

    /// <summary>Short random hex that starts every namespace the suite uses.</summary>
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..6];

    /// <summary>The node name of every agent the suite starts.</summary>
    public string Node { get; } = "qemu-" + Guid.NewGuid().ToString("N")[..6];

    /// <summary>The agents' pods folder (short: pod sockets live below it).</summary>
    public string PodsDirectory { get; } = Directory.CreateTempSubdirectory("ov-").FullName;

    /// <summary>The agents' image folder (no VM here uses images).</summary>
    public string ImagesDirectory { get; } = Directory.CreateTempSubdirectory("ov-img-").FullName;

    /// <summary>The silo's data folder (SQLite), kept across silo restarts.</summary>
    public string SiloDataDirectory { get; } = Directory.CreateTempSubdirectory("ov-silo-").FullName;

    /// <summary>The <c>orvirt</c> CLI against this silo.</summary>
    public OrvirtCli Cli { get; }

    public Uri Server => _silo?.GrpcAddress ?? throw new InvalidOperationException("the silo is not started");

    /// <summary>The agent that runs now.</summary>
    public AgentProcess Agent => _agent ?? throw new InvalidOperationException("the agent is not started");

    /// <summary>Every pod process seen so far.</summary>
    public PodProcessLedger Ledger => _ledger ?? throw new InvalidOperationException("the fixture is not started");

    /// <summary>The tail of what the silo and the current agent logged, for failure messages.</summary>
    public string Output =>
        $"--- silo (tail) ---\n{Tail(_silo?.Output, 40)}\n--- agent {_agent?.Pid} (tail) ---\n{Tail(_agent?.Output, 60)}";

    /// <summary>A namespace of this run: <c>e2e&lt;run&gt;-&lt;purpose&gt;</c>.</summary>
    public string Namespace(string purpose) => $"e2e{RunId}-{purpose}";

    /// <summary>The pod of VM <paramref name="ns"/>/<paramref name="name"/> in the shared pods folder.</summary>
    public VmPod Pod(string ns, string name) => new(PodsDirectory, ns, name);

    public async Task InitializeAsync()
    {
        try
        {
            _ledger = new PodProcessLedger(PodsDirectory);
            _silo = await StartSiloAsync(null);
            _agent = StartAgent();
            await WaitNodeReadyAsync(DateTimeOffset.MinValue);
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync fails.
            await StopEverythingAsync();
            _ledger?.Dispose();
            DeleteFolders([]);
            throw;
        }
    }

    /// <summary>SIGKILLs the agent (its pods and VMs keep running, as after a crash) and starts a new one on the same node name and pods folder.</summary>
    public async Task<AgentProcess> KillAgentAndStartAnotherAsync()
    {
        var old = Agent;
        await old.KillAsync();
        // Not disposed now: disposing kills the pods it leaves, which are exactly what the new agent must adopt.
        _retiredAgents.Add(old);
        _agent = StartAgent();
        return _agent;
    }

    /// <summary>Stops the silo (SIGTERM) and starts a new one on the same ports and data folder; the agent keeps running.</summary>
    public async Task RestartSiloAsync()
    {
        var ports = _silo!.Ports;
        await _silo.DisposeAsync();
        _silo = await StartSiloAsync(ports);
    }

    /// <summary>Waits until <c>orvirt node list</c> shows the node Ready with a heartbeat at or after <paramref name="since"/> (seconds precision).</summary>
    public async Task WaitNodeReadyAsync(DateTimeOffset since)
    {
        var floor = since.AddTicks(-(since.Ticks % TimeSpan.TicksPerSecond));
        try
        {
            await Eventually.MatchAsync(
                () => Cli.NodeAsync(Node),
                n => n is { } node && node.GetProperty("ready").GetBoolean()
                    && node.TryGetProperty("lastHeartbeat", out var hb) && DateTimeOffset.Parse(hb.GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= floor,
                $"node {Node} Ready with a heartbeat at or after {since:O}",
                TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException e)
        {
            throw new InvalidOperationException($"{e.Message}\n{Output}", e);
        }
    }

    public async Task DisposeAsync()
    {
        var problems = new List<string>();
        if (_silo is not null && _agent is not null && !_silo.HasExited && !_agent.HasExited)
        {
            // 1. As a user would: delete what the tests left, and let the agent remove the pods.
            try
            {
                await DeleteLeftoverVmsAsync();
                await WaitNoPodFoldersAsync();
            }
            catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException or InvalidOperationException)
            {
                problems.Add($"deleting the suite's VMs through the CLI did not clean up: {e.Message}");
            }
            // 2. Every VM is gone, so nothing the agents started may still run (tini exits just after its daemon),
            //    except the warm pods the agent keeps ready for the next VM (step 4 checks they go with the agent).
            _ledger!.Sample();
            try
            {
                await Eventually.MatchAsync(() => Task.FromResult(_ledger.StillRunning(exceptWarmPods: true)), r => r.Count == 0, "no pod process left", TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                problems.Add($"after every VM was deleted these pod processes still ran: {string.Join(", ", _ledger.StillRunning(exceptWarmPods: true))}");
            }
        }
        // 3. Stop the agents and the silo; the agents' disposal kills by pid whatever pod processes are left.
        await StopEverythingAsync();
        // 4. The safety net itself must have worked, and nothing under the pods folder may run.
        var survivors = _ledger?.StillRunning() ?? [];
        var strays = ProcessTools.FindByCommandLine(PodsDirectory + "/");
        if (survivors.Count > 0 || strays.Count > 0)
        {
            problems.Add($"after cleanup still running: {string.Join(", ", survivors)}; processes naming {PodsDirectory}: {string.Join(", ", strays)}");
            foreach (var pid in strays)
            {
                await ProcessTools.TerminateAsync(pid, TimeSpan.FromSeconds(2), CancellationToken.None);
            }
        }
        var leftFolders = PodFolders();
        if (leftFolders.Count > 0)
        {
            problems.Add($"pod folders left in {PodsDirectory}: {string.Join(", ", leftFolders)}");
        }
        _ledger?.Dispose();
        DeleteFolders(problems);
        if (_ledger is not null)
        {
            SuiteCleanupReport.Last = new SuiteCleanupReport(PodsDirectory, _ledger, problems);
        }
        if (problems.Count > 0)
        {
            // Logged as a collection cleanup failure; LeakCheckTests turns the same report into a failed test.
            throw new InvalidOperationException(
                $"The end-to-end suite left things behind ({_ledger?.Seen.Count ?? 0} pod processes were seen in all):\n- {string.Join("\n- ", problems)}");
        }
    }

    private async Task<SiloProcess> StartSiloAsync(SiloPorts? ports) =>
        await SiloProcess.StartAsync(new SiloProcessOptions
        {
            DataDirectory = SiloDataDirectory,
            Ports = ports,
            // A crashed VM comes back after 1 s, 2 s, ... instead of KubeVirt's 10 s base.
            Environment = new Dictionary<string, string> { ["ORVIRT__CONTROLLER__BACKOFFBASE"] = "00:00:01" },
        });

    private AgentProcess StartAgent() =>
        AgentProcess.Start(new AgentProcessOptions
        {
            GatewayPort = _silo!.GatewayPort,
            Node = Node,
            Runtime = "process",
            PodsDirectory = PodsDirectory,
            ImagesDirectory = ImagesDirectory,
            // Room for a few tiny VMs whatever the host has.
            Vcpus = 16,
            MemoryBytes = 16L << 30,
        });

    private async Task DeleteLeftoverVmsAsync()
    {
        var list = await Cli.OkAsync("vm", "list", "-A", "-o", "json");
        using var doc = JsonDocument.Parse(list.Stdout);
        var ours = doc.RootElement.GetProperty("items").EnumerateArray()
            .Select(VmView.Parse)
            .Where(v => v.Namespace.StartsWith($"e2e{RunId}-", StringComparison.Ordinal))
            .ToList();
        foreach (var vm in ours)
        {
            await Cli.RunAsync("vm", "delete", vm.Name, "-n", vm.Namespace);
        }
        foreach (var vm in ours)
        {
            await Cli.WaitDeletedAsync(vm.Namespace, vm.Name);
        }
    }

    private async Task WaitNoPodFoldersAsync() =>
        await Eventually.MatchAsync(() => Task.FromResult(PodFolders()), f => f.Count == 0, $"no pod folders left in {PodsDirectory}", TimeSpan.FromSeconds(30));

    /// <summary>Pod folders (not the capabilities template) in the pods folder.</summary>
    private List<string> PodFolders() =>
        Directory.Exists(PodsDirectory)
            ? [.. Directory.EnumerateDirectories(PodsDirectory).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.'))]
            : [];

    private async Task StopEverythingAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
        foreach (var retired in _retiredAgents)
        {
            await retired.DisposeAsync();
        }
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }

    private void DeleteFolders(List<string> problems)
    {
        foreach (var path in new[] { PodsDirectory, ImagesDirectory, SiloDataDirectory })
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
            }
            catch (IOException e)
            {
                problems.Add($"could not delete {path}: {e.Message}");
            }
        }
    }

    private static string Tail(string? text, int lines)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "(nothing)";
        }
        var all = text.Split('\n');
        return new StringBuilder().AppendJoin('\n', all.Skip(Math.Max(0, all.Length - lines))).ToString();
    }
}
