using System.Threading.Channels;
using Orleans.Streams;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Api;

/// <summary>
/// Hands VM events from the Orleans stream to one watch call through a bounded channel. It never blocks the
/// stream: when the watcher falls behind the channel is closed with <see cref="Overflowed"/> set, and the
/// call ends so that the client can watch again from a fresh list.
/// </summary>
public sealed class VmEventChannelObserver : IAsyncObserver<VmEvent>
{
    private readonly ChannelWriter<VmEvent> _writer;
    private volatile bool _overflowed;

    public VmEventChannelObserver(ChannelWriter<VmEvent> writer) => _writer = writer;

    /// <summary>True when an event could not be queued because the watcher was too slow.</summary>
    public bool Overflowed => _overflowed;

    /// <summary>Set when the stream reported an error.</summary>
    public Exception? StreamError { get; private set; }

    public Task OnNextAsync(VmEvent item, StreamSequenceToken? token = null)
    {
        if (!_writer.TryWrite(item) && !_overflowed)
        {
            _overflowed = true;
            _writer.TryComplete();
        }
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync()
    {
        _writer.TryComplete();
        return Task.CompletedTask;
    }

    public Task OnErrorAsync(Exception ex)
    {
        StreamError = ex;
        _writer.TryComplete();
        return Task.CompletedTask;
    }
}
