namespace Orvirt.EndToEnd.Tests;

/// <summary>Every end-to-end test shares one silo and one process-pod agent (VMs are real QEMU processes).</summary>
[CollectionDefinition(Name)]
public sealed class QemuCollection : ICollectionFixture<QemuCluster>
{
    public const string Name = "qemu-cluster";
}
