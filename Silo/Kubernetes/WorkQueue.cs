using System.Threading.Channels;

namespace Orvirt.Silo.Kubernetes;

/// <summary>
/// A work queue keyed by VM (client-go's shape): a key added many times before it is taken is processed once;
/// a key added while it is being processed is processed again afterwards, never by two workers at once.
/// </summary>
internal sealed class WorkQueue
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> _processing = new(StringComparer.Ordinal);
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>();
    private readonly TimeProvider _time;

    public WorkQueue(TimeProvider time) => _time = time;

    /// <summary>Keys waiting or being processed.</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _dirty.Count + _processing.Count;
            }
        }
    }

    public void Add(string key)
    {
        lock (_gate)
        {
            if (!_dirty.Add(key) || _processing.Contains(key))
            {
                return;
            }
            _ready.Writer.TryWrite(key);
        }
    }

    /// <summary>Adds <paramref name="key"/> after <paramref name="delay"/> unless <paramref name="cancellationToken"/> ends first.</summary>
    public void AddAfter(string key, TimeSpan delay, CancellationToken cancellationToken)
    {
        ITimer? timer = null;
        var registration = default(CancellationTokenRegistration);
        timer = _time.CreateTimer(_ =>
        {
            registration.Dispose();
            timer?.Dispose();
            Add(key);
        }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        registration = cancellationToken.Register(() => timer.Dispose());
        timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The next key to process; call <see cref="Done"/> when finished with it.</summary>
    public async ValueTask<string> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var key = await _ready.Reader.ReadAsync(cancellationToken);
            lock (_gate)
            {
                if (_dirty.Remove(key))
                {
                    _processing.Add(key);
                    return key;
                }
            }
        }
    }

    public void Done(string key)
    {
        lock (_gate)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key))
            {
                _ready.Writer.TryWrite(key);
            }
        }
    }
}
