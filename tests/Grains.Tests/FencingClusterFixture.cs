namespace Orvirt.Grains.Tests;

/// <summary>
/// A cluster where a node goes NotReady after two seconds without a heartbeat and is fenced one second later.
/// Agents in it heartbeat every <see cref="HeartbeatPeriod"/>, well inside the timeout.
/// </summary>
public sealed class FencingClusterFixture : OrvirtClusterFixture
{
    /// <summary>How often the agents of these tests heartbeat.</summary>
    public static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromMilliseconds(200);

    /// <inheritdoc />
    public override TimeSpan NodeHeartbeatTimeout => TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public override TimeSpan FenceGracePeriod => TimeSpan.FromSeconds(1);
}
