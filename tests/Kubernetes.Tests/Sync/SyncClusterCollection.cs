namespace Orvirt.Kubernetes.Tests.Sync;

/// <summary>The sync tests share one Orleans cluster (each test uses its own namespace and API server).</summary>
[CollectionDefinition(Name)]
public sealed class SyncClusterCollection : ICollectionFixture<SyncClusterFixture>
{
    public const string Name = "sync cluster";
}
