namespace Orvirt.Silo.Tests.Api;

/// <summary>Tests that share one silo process.</summary>
[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFixture>
{
    public const string Name = "silo";
}
