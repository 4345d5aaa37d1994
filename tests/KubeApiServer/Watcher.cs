using System.Threading.Channels;

namespace Orvirt.KubeApiServer;

/// <summary>One open watch: the events committed after it started, and a token that ends it when the test drops all watches.</summary>
internal sealed class Watcher(ResourceType type, string? ns) : IDisposable
{
    private readonly CancellationTokenSource _dropped = new();

    public Channel<StoredEvent> Events { get; } = Channel.CreateUnbounded<StoredEvent>();

    public CancellationToken Dropped => _dropped.Token;

    /// <summary>Whether the watch abandons its connection (as if the network dropped) rather than ending the response.</summary>
    public bool Abort { get; private set; }

    public bool Wants(StoredEvent e) => e.Type == type && (ns is null || e.Namespace == ns);

    public void Drop(bool abort)
    {
        Abort = abort;
        _dropped.Cancel();
    }

    public void Dispose() => _dropped.Dispose();
}
