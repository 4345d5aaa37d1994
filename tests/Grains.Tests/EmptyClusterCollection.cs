namespace Orvirt.Grains.Tests;

/// <summary>Tests that need a cluster in which no node was ever registered.</summary>
[CollectionDefinition(Name)]
public sealed class EmptyClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "empty-cluster";
}
