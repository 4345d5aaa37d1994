namespace Orvirt.EndToEnd.Tests;

/// <summary>
/// The collection that <see cref="LeakCheckLastOrderer"/> runs after all others, when the suite's fixture has been disposed.
/// An exception from a fixture's disposal is only logged by the VSTest adapter, so the leak check must be a test.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LeakCheckCollection
{
    public const string Name = "zz-leak-check";
}
