namespace Orvirt.Client.Tests.EndToEnd;

/// <summary>The tests that need VMs to really run share one silo and one test-driver agent.</summary>
[CollectionDefinition(Name)]
public sealed class AgentCollection : ICollectionFixture<SiloWithAgentFixture>
{
    public const string Name = "silo-with-agent";
}
