namespace Orvirt.Grains.Tests;

/// <summary>Tests of node readiness, on a cluster with a short heartbeat timeout.</summary>
[CollectionDefinition(Name)]
public sealed class ShortHeartbeatClusterCollection : ICollectionFixture<ShortHeartbeatClusterFixture>
{
    public const string Name = "short-heartbeat-cluster";
}
