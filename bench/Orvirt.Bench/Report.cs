using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Orvirt.Bench;

/// <summary>Writes the results as Markdown (between markers, so other sections of RESULTS.md stay) and as JSON.</summary>
public static class Report
{
    public static void Write(BenchOptions options, IReadOnlyList<BenchResult> results, string commandLine, DateTimeOffset started)
    {
        // A run of every scenario owns the main block; a run of some (e.g. --scenarios G10) gets a block of its own,
        // so that it adds its figures without wiping the others'.
        var tag = options.Scenarios.SetEquals(new BenchOptions().Scenarios) ? "" : " " + string.Join(",", options.Scenarios.Order(StringComparer.Ordinal));
        var beginMarker = $"<!-- orvirt-bench:begin{tag} -->";
        var endMarker = $"<!-- orvirt-bench:end{tag} -->";
        var machine = Machine();
        var md = new StringBuilder();
        md.AppendLine(beginMarker);
        md.AppendLine(CultureInfo.InvariantCulture, $"## Benchmark (`orvirt-bench`), {started:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `{commandLine}`");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine}");
        md.AppendLine();
        md.AppendLine("| id | scenario | figure | p50 ms | p99 ms | max ms | x raw libvirt | target | met |");
        md.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- |");
        foreach (var r in results)
        {
            var s = r.Latency;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Id} | {r.Title} | {r.Figure} | {F(s?.P50)} | {F(s?.P99)} | {F(s?.Max)} | {(r.RatioToRaw is { } x ? x.ToString("0", CultureInfo.InvariantCulture) + "x" : "")} | {r.Target} | {(r.Met is null ? "" : r.Met.Value ? "yes" : "no")} |");
        }
        var notes = results.Where(r => r.Note.Length > 0).ToList();
        if (notes.Count > 0)
        {
            md.AppendLine();
            foreach (var r in notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {r.Id}: {r.Note}");
            }
        }
        md.AppendLine(endMarker);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Markdown))!);
        var existing = File.Exists(options.Markdown) ? File.ReadAllText(options.Markdown) : "# Orvirt benchmark results\n\n";
        var b = existing.IndexOf(beginMarker, StringComparison.Ordinal);
        var e = existing.IndexOf(endMarker, StringComparison.Ordinal);
        var updated = b >= 0 && e > b
            ? existing[..b] + md.ToString().TrimEnd('\n') + existing[(e + endMarker.Length)..]
            : existing.TrimEnd('\n') + "\n\n" + md;
        File.WriteAllText(options.Markdown, updated);
        // Likewise the JSON: a run of some scenarios to the default file writes bench/results-<scenarios>.json beside it.
        var json = tag.Length > 0 && options.Json == new BenchOptions().Json
            ? Path.Combine(Path.GetDirectoryName(options.Json) ?? "", $"results-{tag.Trim().Replace(',', '-').ToLowerInvariant()}.json")
            : options.Json;
        File.WriteAllText(json, JsonSerializer.Serialize(new { commandLine, machine, started, results }, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static string F(double? v) => v is { } d && !double.IsNaN(d) ? d.ToString("0.0", CultureInfo.InvariantCulture) : "";

    private static string Machine()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var memKiB = File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var kvm = File.Exists("/dev/kvm") ? "/dev/kvm present" : "no /dev/kvm (TCG)";
        return $"{Environment.ProcessorCount} cores ({cpu}), {long.Parse(memKiB, CultureInfo.InvariantCulture) / 1024 / 1024} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, {kvm}";
    }
}
