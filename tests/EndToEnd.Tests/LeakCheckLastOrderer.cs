using Xunit.Abstractions;

[assembly: CollectionBehavior(DisableTestParallelization = true)]
[assembly: TestCollectionOrderer("Orvirt.EndToEnd.Tests.LeakCheckLastOrderer", "Orvirt.EndToEnd.Tests")]

namespace Orvirt.EndToEnd.Tests;

/// <summary>Runs the collections one after another with <see cref="LeakCheckCollection"/> last (after every other fixture is disposed).</summary>
public sealed class LeakCheckLastOrderer : ITestCollectionOrderer
{
    /// <inheritdoc />
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => c.DisplayName == LeakCheckCollection.Name ? 1 : 0).ThenBy(c => c.DisplayName, StringComparer.Ordinal);
}
