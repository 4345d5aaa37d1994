using System.Threading.Channels;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>
/// A work queue keyed by VM, like client-go's: a key waits in the queue at most once (coalescing), a key is
/// never processed by two workers at once, and a key added while it is processed runs again afterwards.
/// Failed keys come back after a per-key exponential delay (rate-limited retries).
/// </summary>
public sealed class VmWorkQueue(int parallelism, Func<VmId, CancellationToken, Task> handler, TimeProvider time)
{
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private readonly Channel<VmId> _channel = Channel.CreateUnbounded<VmId>();
    // Key -> timestamp (TimeProvider) of its first enqueue while pending: the work-queue latency counts from it.
    private readonly Dictionary<VmId, long> _queued = [];
    private readonly HashSet<VmId> _processing = [];
    private readonly Dictionary<VmId, long> _dirty = [];
    private readonly Dictionary<VmId, int> _failures = [];
    private readonly Lock _gate = new();

    /// <summary>Keys waiting (not counting those being processed).</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _queued.Count;
            }
        }
    }

    /// <summary>
    /// Called (outside the queue's lock) when a key's sync starts, with how long it waited since its first enqueue
    /// (a key added while it was processed waits from that add). Null: not measured. Set it before <see cref="RunAsync"/>.
    /// </summary>
    public Action<TimeSpan>? WaitObserved { get; set; }

    /// <summary>Asks for <paramref name="id"/> to be synced; coalesces with a pending request.</summary>
    public void Enqueue(VmId id) => Enqueue(id, time.GetTimestamp());

    private void Enqueue(VmId id, long since)
    {
        lock (_gate)
        {
            if (_processing.Contains(id))
            {
                _dirty.TryAdd(id, since);
                return;
            }
            if (!_queued.TryAdd(id, since))
            {
                return;
            }
        }
        _channel.Writer.TryWrite(id);
    }

    /// <summary>Runs <paramref name="parallelism"/> workers until <paramref name="ct"/> is cancelled; then completes normally.</summary>
    public Task RunAsync(CancellationToken ct) => Task.WhenAll(Enumerable.Range(0, Math.Max(1, parallelism)).Select(_ => WorkerAsync(ct)));

    private async Task WorkerAsync(CancellationToken ct)
    {
        try
        {
            await ProcessAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task ProcessAsync(CancellationToken ct)
    {
        await foreach (var id in _channel.Reader.ReadAllAsync(ct))
        {
            long since;
            lock (_gate)
            {
                _queued.Remove(id, out since);
                _processing.Add(id);
            }
            WaitObserved?.Invoke(time.GetElapsedTime(since));
            var failed = false;
            try
            {
                await handler(id, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // The handler logs and reports its own failures; here we only schedule the retry.
                failed = true;
            }
            bool again;
            long dirtySince;
            TimeSpan delay = TimeSpan.Zero;
            lock (_gate)
            {
                _processing.Remove(id);
                again = _dirty.Remove(id, out dirtySince);
                if (failed)
                {
                    var n = _failures.GetValueOrDefault(id) + 1;
                    _failures[id] = n;
                    delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, BaseDelay.Ticks << Math.Min(n - 1, 20)));
                }
                else
                {
                    _failures.Remove(id);
                }
            }
            if (failed)
            {
                _ = RequeueLaterAsync(id, delay, ct);
            }
            else if (again)
            {
                Enqueue(id, dirtySince);
            }
        }
    }

    private async Task RequeueLaterAsync(VmId id, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, time, ct);
            Enqueue(id);
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }
}
