using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Orvirt.Kubernetes.Tests.Sync;

/// <summary>Keeps the sync's log lines so that a failing test can show them.</summary>
internal sealed class TestLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<string> _lines;

    public TestLogger(ConcurrentQueue<string> lines) => _lines = lines;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
}
