using Orleans.Streams;

namespace Orvirt.Silo.Streams;

/// <summary>
/// Decorates a queue adapter factory (the memory stream provider's) with <see cref="AdaptivePullAdapter"/>; cache,
/// queue mapper and failure handler are the inner factory's.
/// </summary>
public sealed class AdaptivePullAdapterFactory(IQueueAdapterFactory inner, TimeSpan idlePullPeriod, TimeSpan busyWindow) : IQueueAdapterFactory
{
    private readonly Lock _gate = new();
    private AdaptivePullAdapter? _adapter;

    /// <inheritdoc />
    public Task<IQueueAdapter> CreateAdapter() => CreateAdapter(CancellationToken.None);

    /// <inheritdoc />
    public async Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken)
    {
        var adapter = await inner.CreateAdapter(cancellationToken);
        lock (_gate)
        {
            // One adapter per provider, so producers and receivers share one QueueActivity per queue.
            _adapter ??= new AdaptivePullAdapter(adapter, inner.GetStreamQueueMapper(), idlePullPeriod, busyWindow);
            return _adapter;
        }
    }

    /// <inheritdoc />
    public IQueueAdapterCache GetQueueAdapterCache() => inner.GetQueueAdapterCache();

    /// <inheritdoc />
    public IStreamQueueMapper GetStreamQueueMapper() => inner.GetStreamQueueMapper();

    /// <inheritdoc />
    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => inner.GetDeliveryFailureHandler(queueId);
}
