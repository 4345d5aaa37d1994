using Orleans.Streams;

namespace Orvirt.Silo.Streams;

/// <summary>
/// Wraps a memory-queue receiver so that a pull of an idle queue returns at once instead of calling the queue grain:
/// see <see cref="QueueActivity.ShouldRead"/>. Everything else is passed through.
/// </summary>
public sealed class AdaptivePullReceiver(IQueueAdapterReceiver inner, QueueActivity activity) : IQueueAdapterReceiver
{
    private static readonly IList<IBatchContainer> Nothing = Array.Empty<IBatchContainer>();

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
            return Nothing;
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
    public Task Shutdown(TimeSpan timeout) => inner.Shutdown(timeout);

    /// <inheritdoc />
    public Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken) => inner.Shutdown(timeout, cancellationToken);
}
