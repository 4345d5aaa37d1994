using System.Globalization;
using System.Text.RegularExpressions;

namespace Orvirt.Web.Tests;

/// <summary>A parsed Prometheus text exposition: samples by metric name and labels.</summary>
public sealed partial class PrometheusText
{
    private readonly List<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> _samples = [];

    public PrometheusText(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var m = SampleLine().Match(line);
            if (!m.Success)
            {
                throw new FormatException($"Not a Prometheus sample line: '{line}'");
            }
            var labels = LabelPair().Matches(m.Groups["labels"].Value)
                .ToDictionary(l => l.Groups["k"].Value, l => Regex.Unescape(l.Groups["v"].Value));
            _samples.Add((m.Groups["name"].Value, labels, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>The raw text, for failure messages.</summary>
    public string Text { get; }

    /// <summary>Samples of <paramref name="name"/> whose labels include all of <paramref name="labels"/> (name=value pairs).</summary>
    public IEnumerable<double> Values(string name, params (string Key, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Select(s => s.Value);

    /// <summary>The one sample of <paramref name="name"/> with these labels, or null when there is none.</summary>
    public double? Value(string name, params (string Key, string Value)[] labels) => Values(name, labels).Cast<double?>().SingleOrDefault();

    /// <summary>Every (phase, node) → count of <c>orvirt_vmi_phase_count</c>.</summary>
    public IReadOnlyDictionary<(string Phase, string Node), double> PhaseCounts() =>
        _samples.Where(s => s.Name == "orvirt_vmi_phase_count")
            .ToDictionary(s => (s.Labels.GetValueOrDefault("phase", ""), s.Labels.GetValueOrDefault("node", "")), s => s.Value);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(""""(?<k>[a-zA-Z_][a-zA-Z0-9_]*)="(?<v>(?:[^"\\]|\\.)*)"""")]
    private static partial Regex LabelPair();
}
