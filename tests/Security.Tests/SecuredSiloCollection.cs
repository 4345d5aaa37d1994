namespace Orvirt.Security.Tests;

/// <summary>The tests that share one <see cref="SecuredSilo"/>; they run one after another, so counts taken before a refused call stay meaningful.</summary>
[CollectionDefinition(Name)]
public sealed class SecuredSiloCollection : ICollectionFixture<SecuredSilo>
{
    public const string Name = "secured silo";
}
