namespace Orvirt.Grains.Tests;

/// <summary>The usual test cluster: nodes stay Ready for the length of any test.</summary>
public sealed class ClusterFixture : OrvirtClusterFixture
{
    /// <inheritdoc />
    public override TimeSpan NodeHeartbeatTimeout => TimeSpan.FromMinutes(10);
}
