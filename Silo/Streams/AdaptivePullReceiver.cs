using Orleans.Streams;

namespace Orvirt.Silo.Streams;

/// <summary>
/// Wraps a memory-queue receiver so that a pull of an idle queue does not call the queue grain: it waits (without a
/// thread) until this silo enqueues into the queue or the idle pull period ends, then reads (see
/// <see cref="QueueActivity"/>). The pulling agent schedules its next pull one pull period after a pull completes, so
/// an idle queue costs one timer tick and one queue-grain call per idle pull period instead of one tick per pull
/// period, and an event enqueued while the pull waits is read at once instead of at the next tick. Everything else is
/// passed through.
/// </summary>
public sealed class AdaptivePullReceiver(IQueueAdapterReceiver inner, QueueActivity activity) : IQueueAdapterReceiver
{
    private static readonly IList<IBatchContainer> Nothing = Array.Empty<IBatchContainer>();
    private readonly CancellationTokenSource _shutdown = new();

    /// <inheritdoc />
    public Task Initialize(TimeSpan timeout) => inner.Initialize(timeout);

    /// <inheritdoc />
    public Task Initialize(TimeSpan timeout, CancellationToken cancellationToken) => inner.Initialize(timeout, cancellationToken);

    /// <inheritdoc />
    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    /// <inheritdoc />
    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        if (!activity.ShouldRead(now))
        {
            // On the pulling agent's scheduler: other calls to the agent (subscriptions, delivery) interleave meanwhile.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
            await activity.WaitAsync(now, stop.Token);
            now = Environment.TickCount64;
            if (stop.IsCancellationRequested || !activity.ShouldRead(now))
            {
                return Nothing;
            }
        }
        var messages = await inner.GetQueueMessagesAsync(maxCount, cancellationToken);
        activity.Read(now, messages?.Count ?? 0);
        return messages ?? Nothing;
    }

    /// <inheritdoc />
    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => inner.MessagesDeliveredAsync(messages, CancellationToken.None);

    /// <inheritdoc />
    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken) => inner.MessagesDeliveredAsync(messages, cancellationToken);

    /// <inheritdoc />
    public Task Shutdown(TimeSpan timeout) => Shutdown(timeout, CancellationToken.None);

    /// <inheritdoc />
    public async Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken)
    {
        // A pull that waits for an enqueue ends now and reads nothing.
        await _shutdown.CancelAsync();
        await inner.Shutdown(timeout, cancellationToken);
    }
}
