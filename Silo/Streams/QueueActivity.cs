namespace Orvirt.Silo.Streams;

/// <summary>
/// What the adaptive pull knows about one memory queue: whether this silo enqueued into it since the last read, and
/// when it was last read and last found non-empty. Producers (any thread) call <see cref="MarkEnqueued"/>; the queue's
/// one pulling agent calls <see cref="ShouldRead"/> and <see cref="Read"/> in turn.
/// </summary>
public sealed class QueueActivity(TimeSpan idlePullPeriod, TimeSpan busyWindow)
{
    private readonly long _idleMs = (long)idlePullPeriod.TotalMilliseconds;
    private readonly long _busyMs = (long)busyWindow.TotalMilliseconds;
    private int _enqueued = 1;
    private long _lastReadMs = long.MinValue / 2;
    private long _lastNonEmptyMs = long.MinValue / 2;

    /// <summary>Called after this silo enqueued a batch into the queue: the next pull reads it.</summary>
    public void MarkEnqueued() => Volatile.Write(ref _enqueued, 1);

    /// <summary>
    /// True when the next pull must read the queue: this silo enqueued since the last read, the queue was non-empty
    /// within the busy window (another silo may be producing), or the idle pull period has passed since the last read.
    /// Clears the enqueued mark, so an enqueue that lands while the read runs is read on the next pull.
    /// </summary>
    public bool ShouldRead(long nowMs) =>
        Interlocked.Exchange(ref _enqueued, 0) == 1
        || nowMs - _lastNonEmptyMs < _busyMs
        || nowMs - _lastReadMs >= _idleMs;

    /// <summary>Records a read that returned <paramref name="count"/> batches.</summary>
    public void Read(long nowMs, int count)
    {
        _lastReadMs = nowMs;
        if (count > 0)
        {
            _lastNonEmptyMs = nowMs;
        }
    }
}
