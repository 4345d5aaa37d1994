namespace Orvirt.Client.Tests.EndToEnd;

/// <summary>The end-to-end tests share one silo.</summary>
[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFixture>
{
    public const string Name = "silo";
}
