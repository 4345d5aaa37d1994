namespace Orvirt.Silo.Options;

/// <summary>
/// How fast the silos of a Redis cluster declare a dead silo dead (<c>Orvirt:Membership</c>, env
/// <c>ORVIRT__MEMBERSHIP__*</c>). The Orleans defaults take 10-15 s; these defaults take about 2 s, after which
/// the dead silo's grains are activated elsewhere and calls in flight to it fail instead of hanging.
/// </summary>
public sealed class MembershipTuningOptions
{
    public const string Section = "Orvirt:Membership";

    /// <summary>How long a liveness probe may take before it counts as missed. Default 1 s; 100 ms to 1 min.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes in a row after which a silo votes the probed silo dead. Default 2; 1 to 10.</summary>
    public int NumMissedProbesLimit { get; set; } = 2;

    /// <summary>Votes needed to declare a silo dead (Orleans lowers it when fewer silos are alive). Default 2; 1 to 10.</summary>
    public int NumVotesForDeathDeclaration { get; set; } = 2;

    /// <summary>How often a silo writes "I am alive" to the membership table; stale entries are recognised from it. Default 5 s; 1 s to 10 min.</summary>
    public TimeSpan IAmAlivePublishPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a silo re-reads the membership table besides gossip. Default 5 s; 1 s to 10 min.</summary>
    public TimeSpan TableRefreshPeriod { get; set; } = TimeSpan.FromSeconds(5);
}
