using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Orvirt.Testing;

namespace Orvirt.EndToEnd.Tests;

/// <summary>
/// <c>orvirt vm watch -n NS -o json</c> running in the background as a user would leave it running in a terminal;
/// every line it prints is kept. Dispose it to end the process (by its pid).
/// </summary>
public sealed class VmWatch : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<WatchEvent> _events = [];
    private readonly StringBuilder _stderr = new();
    private readonly Task _reader;
    private readonly Task _errorReader;

    private VmWatch(Process process)
    {
        _process = process;
        _reader = Task.Run(ReadEventsAsync);
        _errorReader = Task.Run(ReadErrorsAsync);
    }

    /// <summary>Every event so far, in the order printed.</summary>
    public IReadOnlyList<WatchEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Starts the watch on <paramref name="ns"/> (with the initial ADDED events); it ends by itself after 10 minutes at the latest.</summary>
    public static VmWatch Start(Uri server, string ns) =>
        new(CliProcess.Start(server, ["vm", "watch", "-n", ns, "-o", "json", "--timeout", "10m"]));

    /// <summary>Waits until an event matching <paramref name="condition"/> has been printed and returns the first one.</summary>
    public async Task<WatchEvent> WaitForAsync(Func<WatchEvent, bool> condition, string what, TimeSpan? timeout = null)
    {
        try
        {
            return await Eventually.MatchAsync(
                () => Task.FromResult(Events.FirstOrDefault(condition)),
                e => e is not null,
                what,
                timeout ?? TimeSpan.FromSeconds(30)) ?? throw new InvalidOperationException("unreachable");
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{this}");
        }
    }

    /// <summary>The events and any error output, for assertion messages.</summary>
    public override string ToString()
    {
        string stderr;
        lock (_stderr)
        {
            stderr = _stderr.ToString();
        }
        return $"vm watch events:\n  {string.Join("\n  ", Events)}\nvm watch stderr: {stderr}";
    }

    /// <summary>Ends the watch process and its readers.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        await _process.WaitForExitAsync();
        await Task.WhenAll(_reader, _errorReader);
        _process.Dispose();
    }

    private async Task ReadEventsAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            using var doc = JsonDocument.Parse(line);
            var e = new WatchEvent(doc.RootElement.GetProperty("type").GetString() ?? "", VmView.Parse(doc.RootElement.GetProperty("object")));
            lock (_events)
            {
                _events.Add(e);
            }
        }
    }

    private async Task ReadErrorsAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_stderr)
            {
                _stderr.AppendLine(line);
            }
        }
    }
}
