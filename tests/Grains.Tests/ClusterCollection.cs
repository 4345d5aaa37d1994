namespace Orvirt.Grains.Tests;

/// <summary>Tests sharing one cluster; each uses its own nodes (label <c>suite</c>) and VM names.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
