using System.Globalization;

namespace Orvirt.Bench;

/// <summary>Command-line settings of the benchmark.</summary>
public sealed record BenchOptions
{
    public int Vms { get; init; } = 1000;
    /// <summary>Creates per second for G1.</summary>
    public int Rate { get; init; } = 100;
    /// <summary>VMs for G3 throughput.</summary>
    public int ThroughputVms { get; init; } = 10_000;
    /// <summary>Real QEMU VMs for G2; 0 skips it.</summary>
    public int QemuVms { get; init; } = 10;
    /// <summary>VM grains for G6.</summary>
    public int MemoryVms { get; init; } = 100_000;
    public int ChangeRate { get; init; } = 50;
    /// <summary>Running VMs when G10 kills one of two silos; 0 skips it.</summary>
    public int RecoveryVms { get; init; } = 10_000;
    public TimeSpan IdleWindow { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>How long G7 lets the system settle (tiered JIT recompiling hot code, pending reports) before it measures.</summary>
    public TimeSpan SettleWindow { get; init; } = TimeSpan.FromSeconds(60);
    public string Markdown { get; init; } = "bench/RESULTS.md";
    public string Json { get; init; } = "bench/results.json";
    public bool Smoke { get; init; }
    public HashSet<string> Scenarios { get; init; } = ["raw", "G1", "G2", "G3", "G4", "G5", "G6", "G7", "G10"];

    public const string Help = """
        orvirt-bench: starts Orvirt the way users do (a silo on its embedded default and a node agent),
        drives it through the public gRPC API and writes bench/RESULTS.md and bench/results.json.

        Usage: orvirt-bench [--smoke] [--scenarios raw,G1,G2,...] [--vms N] [--rate R] [--throughput-vms N]
                            [--qemu-vms N] [--memory-vms N] [--change-rate R] [--idle-seconds S] [--settle-seconds S]
                            [--recovery-vms N]
                            [--markdown PATH] [--json PATH]

          --smoke            small counts for CI (the numbers are not meaningful, the code paths are)
          --scenarios LIST   raw (libvirt test driver), G1 create->Running at --rate, G2 real QEMU VMs,
                             G3 throughput, G4 pause/unpause applied and visible, G5 delete all at once,
                             G6 silo memory per VM grain, G7 steady-state idle CPU of silo and agent
                             (measured over --idle-seconds, default 120, after --settle-seconds, default 60,
                             in which the runtime finishes recompiling the code the creates made hot),
                             G10 kill -9 one of two Redis-mode silos with --recovery-vms running VMs (default 10,000)
                             -> time until every VM grain answers a Get through the other (needs redis-server)
        Progress goes to stderr; the report to the files named.
        """;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value; see --help");
            int Int() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new ArgumentException($"{args[i - 1]} takes a whole number >= 0");
            o = args[i] switch
            {
                "--smoke" => o with
                {
                    Smoke = true, Vms = 50, Rate = 100, ThroughputVms = 200, QemuVms = 1, MemoryVms = 500, ChangeRate = 50,
                    IdleWindow = TimeSpan.FromSeconds(3), SettleWindow = TimeSpan.Zero, RecoveryVms = 50, Markdown = Path.Combine(Path.GetTempPath(), "orvirt-bench-smoke.md"),
                    Json = Path.Combine(Path.GetTempPath(), "orvirt-bench-smoke.json"),
                },
                "--vms" => o with { Vms = Int() },
                "--rate" => o with { Rate = Math.Max(1, Int()) },
                "--throughput-vms" => o with { ThroughputVms = Int() },
                "--qemu-vms" => o with { QemuVms = Int() },
                "--memory-vms" => o with { MemoryVms = Int() },
                "--recovery-vms" => o with { RecoveryVms = Int() },
                "--change-rate" => o with { ChangeRate = Math.Max(1, Int()) },
                "--idle-seconds" => o with { IdleWindow = TimeSpan.FromSeconds(Int()) },
                "--settle-seconds" => o with { SettleWindow = TimeSpan.FromSeconds(Int()) },
                "--markdown" => o with { Markdown = Next() },
                "--json" => o with { Json = Next() },
                "--scenarios" => o with { Scenarios = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] },
                _ => throw new ArgumentException($"unknown argument '{args[i]}'; see --help"),
            };
        }
        return o;
    }
}
