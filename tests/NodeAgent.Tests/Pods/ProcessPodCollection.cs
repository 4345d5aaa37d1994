namespace Orvirt.NodeAgent.Tests.Pods;

[CollectionDefinition(Name)]
public sealed class ProcessPodCollection : ICollectionFixture<ProcessPodFixture>
{
    public const string Name = "process pods";
}
