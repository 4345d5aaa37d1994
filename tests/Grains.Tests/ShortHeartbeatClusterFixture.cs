namespace Orvirt.Grains.Tests;

/// <summary>A cluster whose nodes go NotReady after one second without a heartbeat.</summary>
public sealed class ShortHeartbeatClusterFixture : OrvirtClusterFixture
{
    /// <inheritdoc />
    public override TimeSpan NodeHeartbeatTimeout => TimeSpan.FromSeconds(1);
}
