namespace Orvirt.Grains.Tests;

/// <summary>Tests of node fencing and failover, on a cluster with short heartbeat timeout and fence grace.</summary>
[CollectionDefinition(Name)]
public sealed class FencingClusterCollection : ICollectionFixture<FencingClusterFixture>
{
    public const string Name = "fencing-cluster";
}
