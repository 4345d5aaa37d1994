namespace Orvirt.Silo.Kubernetes;

/// <summary>What the sync remembers about one CR during a leadership term: which CR generation became which grain generation.</summary>
internal sealed class VmTrack
{
    private readonly List<(long Grain, long Cr)> _generations = [];

    /// <summary>The CR's uid; a CR deleted and created again under the same name starts a new track.</summary>
    public string Uid { get; init; } = "";

    /// <summary>The CR generation last applied to the grain, or 0.</summary>
    public long AppliedCrGeneration { get; private set; }

    /// <summary>The grain generation that application produced (or that a gRPC change mirrored into the CR).</summary>
    public long GrainGeneration { get; private set; }

    /// <summary>The last CR generation whose problems were logged, so each bad generation is logged once.</summary>
    public long LoggedInvalidGeneration { get; set; }

    public bool DeletionLogged { get; set; }

    public void Applied(long crGeneration, long grainGeneration)
    {
        AppliedCrGeneration = crGeneration;
        GrainGeneration = grainGeneration;
        _generations.RemoveAll(g => g.Cr >= crGeneration || g.Grain >= grainGeneration);
        _generations.Add((grainGeneration, crGeneration));
        if (_generations.Count > 32)
        {
            _generations.RemoveAt(0);
        }
    }

    /// <summary>The newest CR generation whose grain generation the agent has observed, or null when unknown.</summary>
    public long? ObservedCrGeneration(long observedGrainGeneration)
    {
        long? result = null;
        foreach (var (grain, cr) in _generations)
        {
            if (grain <= observedGrainGeneration)
            {
                result = cr;
            }
        }
        return result;
    }
}
