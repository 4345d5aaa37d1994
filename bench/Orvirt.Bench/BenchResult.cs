namespace Orvirt.Bench;

/// <summary>One scenario's outcome as written to the report.</summary>
public sealed record BenchResult
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    /// <summary>The headline figure, with its unit.</summary>
    public required string Figure { get; init; }
    public Stats? Latency { get; init; }
    public string Target { get; init; } = "";
    /// <summary>Null when there is no target or it was not measured.</summary>
    public bool? Met { get; init; }
    /// <summary>Headline latency divided by the raw libvirt cost measured in the same run.</summary>
    public double? RatioToRaw { get; init; }
    public string Note { get; init; } = "";
    /// <summary>Further latency distributions of the scenario by name (JSON only; the Markdown has them in the note).</summary>
    public IReadOnlyDictionary<string, Stats>? MoreLatencies { get; init; }
    /// <summary>Further figures of the scenario by name, with the unit in the name (JSON only).</summary>
    public IReadOnlyDictionary<string, double>? Measurements { get; init; }
}
