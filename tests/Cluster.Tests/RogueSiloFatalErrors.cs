using Orleans.Runtime;

namespace Orvirt.Cluster.Tests;

/// <summary>
/// Replaces Orleans' fatal error handler in <see cref="RogueSilo"/>, which would end the whole test process
/// (Environment.FailFast) when the cluster declares the rogue silo dead: records the first fatal error instead.
/// </summary>
public sealed class RogueSiloFatalErrors : IFatalErrorHandler
{
    private readonly TaskCompletionSource<string> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the context of the first fatal error (e.g. "I have been told I am dead").</summary>
    public Task<string> First => _first.Task;

    /// <inheritdoc />
    public bool IsUnexpected(Exception exception) => true;

    /// <inheritdoc />
    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null) =>
        _first.TrySetResult($"{context} {exception?.Message}".Trim());
}
