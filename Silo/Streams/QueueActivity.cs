namespace Orvirt.Silo.Streams;

/// <summary>
/// What the adaptive pull knows about one memory queue: whether this silo enqueued into it since the last read, and
/// when it was last read and last found non-empty. Producers (any thread) call <see cref="MarkEnqueued"/>; the queue's
/// one pulling agent calls <see cref="ShouldRead"/>, <see cref="WaitAsync"/> and <see cref="Read"/> in turn.
/// </summary>
public sealed class QueueActivity(TimeSpan idlePullPeriod, TimeSpan busyWindow, TimeProvider time)
{
    private readonly long _idleMs = (long)idlePullPeriod.TotalMilliseconds;
    private readonly long _busyMs = (long)busyWindow.TotalMilliseconds;
    private int _enqueued = 1;
    private long _lastReadMs = long.MinValue / 2;
    private long _lastNonEmptyMs = long.MinValue / 2;
    private TaskCompletionSource? _waiter;

    /// <summary>An activity on the system clock.</summary>
    public QueueActivity(TimeSpan idlePullPeriod, TimeSpan busyWindow)
        : this(idlePullPeriod, busyWindow, TimeProvider.System)
    {
    }

    /// <summary>Called after this silo enqueued a batch into the queue: the next pull reads it, and a waiting pull wakes now.</summary>
    public void MarkEnqueued()
    {
        Interlocked.Exchange(ref _enqueued, 1);
        Interlocked.Exchange(ref _waiter, null)?.TrySetResult();
    }

    /// <summary>
    /// True when the next pull must read the queue: this silo enqueued since the last read, the queue was non-empty
    /// within the busy window (another silo may be producing), or the idle pull period has passed since the last read.
    /// Clears the enqueued mark, so an enqueue that lands while the read runs is read on the next pull.
    /// </summary>
    public bool ShouldRead(long nowMs) =>
        Interlocked.Exchange(ref _enqueued, 0) == 1
        || nowMs - _lastNonEmptyMs < _busyMs
        || nowMs - _lastReadMs >= _idleMs;

    /// <summary>
    /// Waits until <see cref="ShouldRead"/> would say yes: until this silo enqueues into the queue (wakes at once) or the
    /// idle pull period since the last read ends, whichever comes first; returns at once when either already happened
    /// or the queue is in its busy window, and when <paramref name="cancellationToken"/> is cancelled. Does not clear
    /// the enqueued mark. One waiter at a time (the queue's pulling agent).
    /// </summary>
    public async Task WaitAsync(long nowMs, CancellationToken cancellationToken)
    {
        var idleLeftMs = _lastReadMs + _idleMs - nowMs;
        if (idleLeftMs <= 0 || nowMs - _lastNonEmptyMs < _busyMs || cancellationToken.IsCancellationRequested)
        {
            return;
        }
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _waiter, waiter);
        // Checked after publishing the waiter: an enqueue either saw the waiter or left its mark for this read.
        if (Volatile.Read(ref _enqueued) == 1)
        {
            Interlocked.CompareExchange(ref _waiter, null, waiter);
            return;
        }
        using var stopDelay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var idleEnd = Task.Delay(TimeSpan.FromMilliseconds(idleLeftMs), time, stopDelay.Token);
        await Task.WhenAny(waiter.Task, idleEnd);
        await stopDelay.CancelAsync();
        Interlocked.CompareExchange(ref _waiter, null, waiter);
    }

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
