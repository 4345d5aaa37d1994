namespace Orvirt.KubeApiServer;

/// <summary>Options of the in-process test API server.</summary>
public sealed record KubeApiServerOptions
{
    /// <summary>The CRD to serve. Default: <c>manifests/crd-virtualmachines.yaml</c> found by walking up from the test's output folder.</summary>
    public string? CrdPath { get; init; }

    /// <summary>How often a quiet watch that allows bookmarks gets a BOOKMARK event. Default 1 s (the real server: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many events the history keeps for watches to resume from before older ones expire (410). Default 10,000.</summary>
    public int HistoryLimit { get; init; } = 10_000;

    /// <summary>Clock for creationTimestamp, deletionTimestamp and ages. Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
