using Orleans.Streams;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>Receives the node stream's desired states; an error asks for a resync.</summary>
public sealed class NodeStreamObserver(Action<VmDesired> onDesired, Action<Exception> onError) : IAsyncObserver<VmDesired>
{
    /// <inheritdoc />
    public Task OnNextAsync(VmDesired item, StreamSequenceToken? token = null)
    {
        onDesired(item);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task OnCompletedAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public Task OnErrorAsync(Exception ex)
    {
        onError(ex);
        return Task.CompletedTask;
    }
}
