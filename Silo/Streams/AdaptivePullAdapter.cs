using System.Collections.Concurrent;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orvirt.Silo.Streams;

/// <summary>
/// Wraps the memory stream adapter: every enqueue marks its queue's <see cref="QueueActivity"/>, and receivers are
/// wrapped in <see cref="AdaptivePullReceiver"/>.
/// </summary>
public sealed class AdaptivePullAdapter(IQueueAdapter inner, IStreamQueueMapper mapper, TimeSpan idlePullPeriod, TimeSpan busyWindow) : IQueueAdapter
{
    private readonly ConcurrentDictionary<QueueId, QueueActivity> _queues = new();

    /// <inheritdoc />
    public string Name => inner.Name;

    /// <inheritdoc />
    public bool IsRewindable => inner.IsRewindable;

    /// <inheritdoc />
    public StreamProviderDirection Direction => inner.Direction;

    /// <inheritdoc />
    public async Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        await inner.QueueMessageBatchAsync(streamId, events, token, requestContext);
        Activity(mapper.GetQueueForStream(streamId)).MarkEnqueued();
    }

    /// <inheritdoc />
    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => new AdaptivePullReceiver(inner.CreateReceiver(queueId), Activity(queueId));

    private QueueActivity Activity(QueueId queueId) => _queues.GetOrAdd(queueId, _ => new QueueActivity(idlePullPeriod, busyWindow));
}
