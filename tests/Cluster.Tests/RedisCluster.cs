using Orvirt.Api.V1;
using Orvirt.Client.Connection;
using Orvirt.Testing;

namespace Orvirt.Cluster.Tests;

/// <summary>
/// A real Redis cluster on 127.0.0.1: one <c>redis-server</c>, <see cref="SiloCount"/> silos in Redis mode (each on its
/// own ports, advertising 127.0.0.1) and two node agents on libvirt's test driver that know every silo's gateway.
/// Disposing it stops the agents (and their pods), the silos and Redis, and deletes their folders.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    /// <summary>How many silos the cluster has.</summary>
    public const int SiloCount = 3;

    private readonly SiloProcess?[] _silos = new SiloProcess?[SiloCount];
    private readonly SiloPorts[] _ports;
    private readonly List<AgentProcess> _agents = [];
    private RedisServer? _redis;

    private RedisCluster()
    {
        _ports = SiloPorts.Free(SiloCount);
    }

    /// <summary>The agents (node names <c>node-a</c>, <c>node-b</c>).</summary>
    public IReadOnlyList<AgentProcess> Agents => _agents;

    /// <summary>The gRPC address of silo <paramref name="index"/> (stable across restarts: it comes back on the same ports).</summary>
    public Uri GrpcAddress(int index) => new($"http://127.0.0.1:{_ports[index].Grpc}");

    /// <summary>True while silo <paramref name="index"/> runs.</summary>
    public bool IsRunning(int index) => _silos[index] is { HasExited: false };

    /// <summary>Everything every process wrote, for failure messages.</summary>
    public string Output =>
        string.Join("\n", _silos.Select((s, i) => $"--- silo {i} ---\n{Tail(s?.Output)}"))
        + string.Join("\n", _agents.Select(a => $"\n--- agent {a.Node} ---\n{Tail(a.Output)}"));

    /// <summary>
    /// Starts Redis, the silos one after the other, and the agents; returns once both nodes are Ready. <c>node-a</c> runs
    /// test pods with room for 64 one-vCPU VMs. <c>node-b</c> runs <paramref name="nodeBRuntime"/> pods: with <c>test</c> it is
    /// like node-a; with <c>process</c> (private libvirtd + QEMU) it offers 5 vCPUs and 320 MiB, so that least-allocated
    /// scheduling puts only a few 64 MiB VMs on it. With <paramref name="agents"/> false only Redis and the silos start (for
    /// tests of the control plane alone, whose VMs are never scheduled).
    /// </summary>
    public static async Task<RedisCluster> StartAsync(string nodeBRuntime = "test", bool agents = true)
    {
        var cluster = new RedisCluster();
        try
        {
            cluster._redis = await RedisServer.StartAsync();
            for (var i = 0; i < SiloCount; i++)
            {
                await cluster.StartSiloAsync(i);
            }
            if (!agents)
            {
                return cluster;
            }
            var gateways = cluster._ports.Select(p => p.Gateway).ToArray();
            var small = nodeBRuntime != "test";
            foreach (var (node, first, runtime, vcpus) in new[] { ("node-a", 0, "test", 64), ("node-b", 1, nodeBRuntime, small ? 5 : 64) })
            {
                cluster._agents.Add(AgentProcess.Start(new AgentProcessOptions
                {
                    Node = node,
                    Runtime = runtime,
                    // 64 MiB per vCPU: memory and CPU shares fall together, so the smaller node fills at the same pace.
                    Vcpus = vcpus,
                    MemoryBytes = vcpus * (64L << 20),
                    // Each agent lists every silo, starting with a different one.
                    GatewayPort = gateways[first],
                    MoreGatewayPorts = [.. gateways.Where((_, j) => j != first)],
                }));
            }
            using var connection = OrvirtConnection.Create(cluster.GrpcAddress(0));
            await Eventually.MatchAsync(
                async () => (await connection.Nodes.ListAsync(new ListNodesRequest())).Items.Where(n => n.Ready).Select(n => n.Name).Order().ToList(),
                ready => ready.SequenceEqual(["node-a", "node-b"]),
                "both nodes Ready through silo 0",
                TimeSpan.FromSeconds(60));
            return cluster;
        }
        catch (Exception e)
        {
            var output = cluster.Output;
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"the Redis cluster did not come up: {e.Message}\n{output}", e);
        }
    }

    /// <summary>Starts silo <paramref name="index"/> on its ports and waits until it is healthy.</summary>
    public async Task StartSiloAsync(int index)
    {
        _silos[index] = await SiloProcess.StartAsync(new SiloProcessOptions
        {
            Ports = _ports[index],
            Environment = new Dictionary<string, string>
            {
                ["ORVIRT__MODE"] = "Redis",
                ["ORVIRT__REDIS"] = _redis!.ConnectionString,
                ["ORVIRT__ADVERTISEDADDRESS"] = "127.0.0.1",
            },
        });
    }

    /// <summary>SIGKILLs silo <paramref name="index"/> (no goodbye to the cluster) and waits until it has exited.</summary>
    public async Task KillSiloAsync(int index)
    {
        var silo = _silos[index] ?? throw new InvalidOperationException($"silo {index} is not running");
        await silo.KillAsync();
        await silo.DisposeAsync();
        _silos[index] = null;
    }

    /// <summary>Stops silo <paramref name="index"/> gracefully (SIGTERM) and waits until it has exited.</summary>
    public async Task StopSiloAsync(int index)
    {
        var silo = _silos[index] ?? throw new InvalidOperationException($"silo {index} is not running");
        await silo.DisposeAsync();
        _silos[index] = null;
    }

    /// <summary>The lines the running silos wrote so far that contain <paramref name="text"/>.</summary>
    public IEnumerable<string> SiloLines(string text) =>
        _silos.OfType<SiloProcess>().SelectMany(s => s.Output.Split('\n')).Where(l => l.Contains(text, StringComparison.Ordinal)).Select(l => l.Trim());

    /// <summary>
    /// True when Orleans' membership table in Redis (hash <c>orvirt/members/orvirt</c>, one JSON entry per silo incarnation)
    /// has entries for silo <paramref name="index"/>'s port and all of them say Dead (<c>"Status":6</c>).
    /// </summary>
    public async Task<bool> DeclaredDeadAsync(int index)
    {
        var entries = await _redis!.CommandAsync(["HVALS", "orvirt/members/orvirt"]);
        var mine = entries.Where(e => e.Contains($"\"127.0.0.1:{_ports[index].Silo}@", StringComparison.Ordinal)).ToList();
        return mine.Count > 0 && mine.All(e => e.Contains("\"Status\":6,", StringComparison.Ordinal));
    }

    /// <summary>The pod folders each agent has, by node name (pod ids are [a-z0-9]; the agent's own <c>.template</c> folder is not a pod).</summary>
    public Dictionary<string, HashSet<string>> PodsByNode() =>
        _agents.ToDictionary(
            a => a.Node,
            a => Directory.EnumerateDirectories(a.PodsDirectory)
                .Select(d => Path.GetFileName(d))
                .Where(name => !name.StartsWith('.'))
                .ToHashSet(StringComparer.Ordinal));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }
        foreach (var silo in _silos)
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    private static string Tail(string? output, int lines = 60)
    {
        var all = (output ?? "").Split('\n');
        return string.Join("\n", all.Skip(Math.Max(0, all.Length - lines)));
    }
}
