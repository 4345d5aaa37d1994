using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Client.Connection;
using Orvirt.Testing;

namespace Orvirt.Bench;

/// <summary>
/// G10: two silos in Redis mode (a real <c>redis-server</c>) and one agent with test pods run N VMs; the silo hosting
/// more VM grains is killed with SIGKILL and the clock runs until a full round of Get through the other silo's gRPC API
/// has had an answer from every VM grain. Also measured: when Redis' membership table says silo 1 is Dead, a baseline round of the same Gets before
/// the kill (the cost of the round itself), how many VMs needed more than one attempt, and silo 0's CPU seconds.
/// </summary>
public sealed class RecoveryScenario(BenchOptions options, List<BenchResult> results)
{
    /// <summary>Gets in flight at once, as in G3's creates.</summary>
    private const int Concurrency = 64;

    /// <summary>The deadline of one Get attempt; a call to a grain whose silo is gone may otherwise wait for Orleans' response timeout.</summary>
    private static readonly TimeSpan AttemptDeadline = TimeSpan.FromSeconds(5);

    /// <summary>How long the whole round after the kill may take before the scenario gives up.</summary>
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromMinutes(5);

    public async Task RunAsync()
    {
        var count = options.RecoveryVms;
        Progress($"G10: Redis, two silos, one agent, {count} VMs; then kill -9 the silo hosting more of them");
        await using var redis = await RedisServer.StartAsync();
        var ports = SiloPorts.Free(2);
        var silos = new SiloProcess?[2];
        try
        {
            for (var i = 0; i < 2; i++)
            {
                silos[i] = await SiloProcess.StartAsync(new SiloProcessOptions
                {
                    Ports = ports[i],
                    Environment = new Dictionary<string, string>
                    {
                        ["ORVIRT__MODE"] = "Redis",
                        ["ORVIRT__REDIS"] = redis.ConnectionString,
                        ["ORVIRT__ADVERTISEDADDRESS"] = "127.0.0.1",
                        // One client makes every call here; the per-client rate and namespace quota are not what is measured.
                        ["ORVIRT__LIMITS__REQUESTSPERSECOND"] = "0",
                        ["ORVIRT__LIMITS__MAXVMSPERNAMESPACE"] = "1000000",
                    },
                });
            }
            await using var agent = AgentProcess.Start(new AgentProcessOptions
            {
                GatewayPort = ports[0].Gateway, MoreGatewayPorts = [ports[1].Gateway],
                Node = "bench-g10", Runtime = "test", Vcpus = 1_000_000, MemoryBytes = 1L << 50,
            });
            using var conn0 = OrvirtConnection.Create(silos[0]!.GrpcAddress);
            using var conn1 = OrvirtConnection.Create(silos[1]!.GrpcAddress);
            await Scenarios.WaitNodeReadyAsync(conn0, agent.Node, agent);
            var names = Enumerable.Range(0, count).Select(i => $"vm-{i}").ToList();
            await using (var tracker = new StatusTracker(conn0.VirtualMachines))
            {
                await tracker.WaitLiveAsync();
                Progress($"G10: creating {count} VMs through silo 0 (64 in flight)");
                var next = -1;
                await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < count)
                    {
                        await conn0.VirtualMachines.CreateAsync(Scenarios.NewVm("g10", names[i], "Always", "16Mi"));
                    }
                }));
                await tracker.WaitAllAsync([.. names.Select(n => "g10/" + n)], "Running", TimeSpan.FromSeconds(Math.Max(120, count / 10)),
                    d => Progress($"G10: {d}/{count} running"));
            }

            // Kill the silo that hosts more VM grains (Orleans' placement decides), so that the figure covers the larger share.
            var hosted = await VmGrainsPerSiloAsync(silos[0]!.HttpAddress, ports, count);
            var victimIndex = hosted[1] > hosted[0] ? 1 : 0;
            var victim = silos[victimIndex]!;
            var survivor = silos[1 - victimIndex]!;
            var conn = victimIndex == 1 ? conn0 : conn1;

            // The round itself costs time even with nothing broken: measure it on the healthy cluster first.
            Progress($"G10: baseline round of {count} Gets through silo {1 - victimIndex} on the healthy cluster");
            var cpuBefore = ProcessStats.CpuSeconds(survivor.Pid);
            var baseline = await RoundAsync(conn, names, Stopwatch.GetTimestamp());
            var cpuBaseline = ProcessStats.CpuSeconds(survivor.Pid) - cpuBefore;
            var baselineTotal = baseline.FirstAnswer.Max();

            Progress($"G10: kill -9 silo {victimIndex} (pid {victim.Pid}, hosting {hosted[victimIndex]} of {count} VM grains); Gets through silo {1 - victimIndex}");
            var cpu0 = ProcessStats.CpuSeconds(survivor.Pid);
            var killedAt = Stopwatch.GetTimestamp();
            // SIGKILL is sent before KillAsync first yields; the round starts at once, while the process is reaped.
            var killed = victim.KillAsync();
            var dead = WaitDeadAsync(redis, ports[victimIndex].Silo, killedAt);
            var round = await RoundAsync(conn, names, killedAt);
            await killed;
            var deadMs = await dead;
            var cpu = ProcessStats.CpuSeconds(survivor.Pid) - cpu0;
            silos[victimIndex] = null;
            await victim.DisposeAsync();

            var stats = Stats.Of(round.FirstAnswer);
            var total = round.FirstAnswer.Max();
            var retried = round.Attempts.Count(a => a > 1);
            // Same VMs, same order, same concurrency: what the failure added to each VM's wait over the healthy round.
            var excess = Stats.Of(round.FirstAnswer.Select((t, i) => t - baseline.FirstAnswer[i]));
            var load = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
            results.Add(new BenchResult
            {
                Id = "G10",
                Title = $"kill -9 one of two silos (Redis) with {count} running VMs -> every VM grain answers a Get through the other",
                Figure = $"total {total / 1000:0.00} s",
                Latency = stats,
                Target = "<= 5 s",
                Met = total <= 5000,
                Note = string.Create(CultureInfo.InvariantCulture,
                    $"per-VM figures are ms from the kill to that VM's first answer ({Concurrency} Gets in flight, {AttemptDeadline.TotalSeconds:0} s deadline per attempt); "
                    + $"killed silo {victimIndex} hosting {hosted[victimIndex]} of {count} VM grains (silo {1 - victimIndex}: {hosted[1 - victimIndex]}, per Orleans' dashboard counters); "
                    + $"it was declared Dead in Redis' membership table after {(deadMs is { } d ? $"{d / 1000:0.00} s" : "(not seen)")}; "
                    + $"{retried} VMs needed more than one attempt ({round.Attempts.Sum() - count} failed attempts, first errors: {string.Join("; ", round.Errors.Take(3))}); "
                    + $"the same round on the healthy cluster took {baselineTotal / 1000:0.00} s (p50 {Stats.Of(baseline.FirstAnswer).P50:0.0} ms), "
                    + $"so the failure added p50 {excess.P50:0} ms, p99 {excess.P99:0} ms, max {excess.Max:0} ms per VM over it; "
                    + $"the surviving silo used {cpu:0.0} CPU-seconds from the kill to the end of the round ({cpuBaseline:0.0} in the healthy round); load average {string.Join(' ', load)}"),
            });
            Progress($"G10: killed silo {victimIndex} ({hosted[victimIndex]} VM grains); total {total / 1000:0.00} s, dead after {deadMs / 1000:0.00} s, baseline round {baselineTotal / 1000:0.00} s, added p99 {excess.P99:0} ms, {retried} VMs retried");
        }
        finally
        {
            foreach (var silo in silos)
            {
                if (silo is not null)
                {
                    await silo.DisposeAsync();
                }
            }
        }
    }

    /// <summary>Gets every VM once with <see cref="Concurrency"/> in flight, retrying each until it answers; times are ms since <paramref name="start"/>.</summary>
    private static async Task<Round> RoundAsync(OrvirtConnection conn, IReadOnlyList<string> names, long start)
    {
        var firstAnswer = new double[names.Count];
        var attempts = new int[names.Count];
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < names.Count)
            {
                while (true)
                {
                    attempts[i]++;
                    try
                    {
                        await conn.VirtualMachines.GetAsync(new GetRequest { Namespace = "g10", Name = names[i] }, deadline: DateTime.UtcNow + AttemptDeadline);
                        firstAnswer[i] = Stats.Millis(start, Stopwatch.GetTimestamp());
                        break;
                    }
                    catch (RpcException e) when (e.StatusCode is not (StatusCode.NotFound or StatusCode.InvalidArgument or StatusCode.PermissionDenied))
                    {
                        if (errors.Count < 10)
                        {
                            errors.Enqueue($"{names[i]} after {Stats.Millis(start, Stopwatch.GetTimestamp()):0} ms: {e.StatusCode} {Shorten(e.Status.Detail)}");
                        }
                        if (clock.Elapsed > RoundTimeout)
                        {
                            throw new TimeoutException($"G10: {names[i]} did not answer within {RoundTimeout.TotalMinutes:0} min; errors: {string.Join("; ", errors)}");
                        }
                        // A short pause before the next attempt, so that a refused call does not spin a core.
                        await Task.Delay(20);
                    }
                }
            }
        }));
        return new Round(firstAnswer, attempts, [.. errors]);
    }

    /// <summary>
    /// VM grain activations per silo (index into <paramref name="ports"/>) from the Orleans dashboard's counters on
    /// <paramref name="http"/>, polled until they add up to <paramref name="expected"/> (the counters are sampled) or 30 s pass.
    /// </summary>
    private static async Task<int[]> VmGrainsPerSiloAsync(Uri http, SiloPorts[] ports, int expected)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var counts = new int[ports.Length];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync(new Uri(http, "/dashboard/DashboardCounters")));
            counts = new int[ports.Length];
            foreach (var stat in doc.RootElement.GetProperty("simpleGrainStats").EnumerateArray())
            {
                if (stat.GetProperty("grainType").GetString() is { } type && type.EndsWith(".VirtualMachineGrain", StringComparison.Ordinal)
                    && stat.GetProperty("siloAddress").GetString() is { } address)
                {
                    var index = Array.FindIndex(ports, p => address.StartsWith($"127.0.0.1:{p.Silo}@", StringComparison.Ordinal));
                    if (index >= 0)
                    {
                        counts[index] += stat.GetProperty("activationCount").GetInt32();
                    }
                }
            }
            if (counts.Sum() >= expected)
            {
                break;
            }
            await Task.Delay(500);
        }
        Progress($"G10: VM grains per silo: {string.Join(", ", counts.Select((c, i) => $"silo {i} {c}"))}");
        return counts;
    }

    /// <summary>Polls Redis' membership table until silo port <paramref name="siloPort"/> is Dead (at most 60 s); ms since <paramref name="start"/>, or null.</summary>
    private static async Task<double?> WaitDeadAsync(RedisServer redis, int siloPort, long start)
    {
        // The hash the Redis clustering provider keeps: one JSON entry per silo incarnation; Status 6 is Dead.
        var marker = $"\"127.0.0.1:{siloPort}@";
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var entries = await redis.CommandAsync(["HVALS", "orvirt/members/orvirt"], CancellationToken.None);
            var mine = entries.Where(e => e.Contains(marker, StringComparison.Ordinal)).ToList();
            if (mine.Count > 0 && mine.All(e => e.Contains("\"Status\":6,", StringComparison.Ordinal)))
            {
                return Stats.Millis(start, Stopwatch.GetTimestamp());
            }
            await Task.Delay(20, CancellationToken.None);
        }
        return null;
    }

    private static string Shorten(string s) => s.Length <= 160 ? s : s[..160] + "...";

    private static void Progress(string message) => Console.Error.WriteLine($"[bench {DateTime.UtcNow:HH:mm:ss}] {message}");

    private sealed record Round(double[] FirstAnswer, int[] Attempts, string[] Errors);
}
