using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Orvirt.Resilience.Tests;

/// <summary>
/// The moments of a node failure, in seconds since the agent was frozen (SIGSTOP), printed to the test output and kept
/// in <c>bench/RESULTS.md</c> under <see cref="Heading"/>.
/// </summary>
public sealed class FencingTimeline
{
    /// <summary>The section of <c>bench/RESULTS.md</c> this timeline owns.</summary>
    public const string Heading = "## Node failure and fencing (issue 6)";
    private readonly Stopwatch _clock = new();
    private readonly List<(string Step, TimeSpan At)> _marks = [];

    /// <summary>Starts the clock (the agent was just frozen).</summary>
    public void Start() => _clock.Restart();

    /// <summary>Records <paramref name="step"/> at the current time.</summary>
    public TimeSpan Mark(string step)
    {
        var at = _clock.Elapsed;
        _marks.Add((step, at));
        return at;
    }

    /// <summary>The recorded steps as a markdown table.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder("| step | seconds after SIGSTOP |\n| --- | ---: |\n");
        foreach (var (step, at) in _marks)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {step} | {at.TotalSeconds:0.0} |\n");
        }
        return text.ToString();
    }

    /// <summary>Replaces this timeline's section of <paramref name="resultsFile"/> (or appends it), leaving every other section as it is.</summary>
    public void WriteTo(string resultsFile, string preamble)
    {
        var section = $"{Heading}\n\n{preamble}\n\n{ToMarkdown()}";
        var existing = File.Exists(resultsFile) ? File.ReadAllText(resultsFile) : "# Orvirt benchmark results\n";
        var start = existing.IndexOf(Heading + "\n", StringComparison.Ordinal);
        string updated;
        if (start < 0)
        {
            updated = existing.TrimEnd('\n') + "\n\n" + section;
        }
        else
        {
            var next = existing.IndexOf("\n## ", start + Heading.Length, StringComparison.Ordinal);
            updated = existing[..start] + section + (next < 0 ? "" : existing[next..].TrimStart('\n').Insert(0, "\n"));
        }
        File.WriteAllText(resultsFile, updated);
    }
}
