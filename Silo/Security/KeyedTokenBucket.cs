using System.Collections.Concurrent;

namespace Orvirt.Silo.Security;

/// <summary>
/// A token bucket per key that is refilled lazily, from the clock, when a request for that key comes: no timer
/// runs, so an idle silo pays nothing for it (the framework's partitioned limiters wake every 100 ms each).
/// Each bucket holds at most <see cref="TokenLimit"/> tokens and gains <see cref="TokensPerPeriod"/> at every whole
/// <see cref="Period"/> since it was created; with both equal to N it is a fixed window of N requests per period.
/// A bucket that has refilled completely is the same as a new one, so such buckets are dropped by a sweep that
/// runs on a request at most once per <see cref="SweepInterval"/> (or sooner when more than
/// <see cref="MaxKeys"/> keys are held): memory stays bounded by the keys seen in the last sweep interval.
/// </summary>
public sealed class KeyedTokenBucket
{
    /// <summary>How often, at most, requests sweep out buckets that have refilled completely.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    /// <summary>Keys held beyond which a request sweeps at once (at most once per <see cref="Period"/>).</summary>
    public const int MaxKeys = 100_000;

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly long _periodStamps;
    private readonly long _fullAfterStamps;
    private readonly long _sweepStamps;
    private long _lastSweep;
    private int _sweeping;

    /// <summary>Creates the limiter; every argument must be positive and <paramref name="tokensPerPeriod"/> at most <paramref name="tokenLimit"/>.</summary>
    public KeyedTokenBucket(int tokenLimit, int tokensPerPeriod, TimeSpan period, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokensPerPeriod, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        TokenLimit = tokenLimit;
        TokensPerPeriod = Math.Min(tokensPerPeriod, tokenLimit);
        Period = period;
        _time = time;
        _periodStamps = Math.Max(1, ToStamps(period));
        // An empty bucket is full again after this many whole periods.
        _fullAfterStamps = _periodStamps * ((TokenLimit + TokensPerPeriod - 1) / TokensPerPeriod);
        _sweepStamps = ToStamps(SweepInterval);
        _lastSweep = time.GetTimestamp();
    }

    /// <summary>The most tokens a bucket holds (the burst).</summary>
    public int TokenLimit { get; }

    /// <summary>Tokens added to a bucket at the end of every <see cref="Period"/>.</summary>
    public int TokensPerPeriod { get; }

    /// <summary>The refill period.</summary>
    public TimeSpan Period { get; }

    /// <summary>Keys that currently hold a bucket (full buckets are dropped by the next sweep).</summary>
    public int Keys => _buckets.Count;

    /// <summary>
    /// Takes one token from <paramref name="key"/>'s bucket. When it is empty, returns false and the time until
    /// the bucket next gains tokens in <paramref name="retryAfter"/>.
    /// </summary>
    public bool TryAcquire(string key, out TimeSpan retryAfter)
    {
        var now = _time.GetTimestamp();
        SweepIfDue(now);
        while (true)
        {
            var bucket = _buckets.GetOrAdd(key, static (_, state) => new Bucket(state.Limit, state.Now), (Limit: TokenLimit, Now: now));
            lock (bucket)
            {
                if (bucket.Removed)
                {
                    // A sweep dropped it between the lookup and the lock: take a fresh one.
                    continue;
                }
                Refill(bucket, now);
                if (bucket.Tokens > 0)
                {
                    bucket.Tokens--;
                    retryAfter = TimeSpan.Zero;
                    return true;
                }
                retryAfter = _time.GetElapsedTime(now, bucket.PeriodStart + _periodStamps);
                return false;
            }
        }
    }

    /// <summary>Drops every bucket that has refilled completely; requests call it, tests may call it directly.</summary>
    public void Sweep()
    {
        var now = _time.GetTimestamp();
        Interlocked.Exchange(ref _lastSweep, now);
        foreach (var (key, bucket) in _buckets)
        {
            lock (bucket)
            {
                Refill(bucket, now);
                if (bucket.Tokens < TokenLimit)
                {
                    continue;
                }
                bucket.Removed = true;
                _buckets.TryRemove(new KeyValuePair<string, Bucket>(key, bucket));
            }
        }
    }

    private void SweepIfDue(long now)
    {
        var since = now - Interlocked.Read(ref _lastSweep);
        var due = since >= _sweepStamps || (since >= _periodStamps && _buckets.Count > MaxKeys);
        if (!due || Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0)
        {
            return;
        }
        try
        {
            Sweep();
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private void Refill(Bucket bucket, long now)
    {
        var elapsed = now - bucket.PeriodStart;
        if (elapsed < _periodStamps)
        {
            return;
        }
        if (elapsed >= _fullAfterStamps)
        {
            bucket.Tokens = TokenLimit;
        }
        else
        {
            var periods = elapsed / _periodStamps;
            bucket.Tokens = (int)Math.Min(TokenLimit, bucket.Tokens + (periods * TokensPerPeriod));
        }
        bucket.PeriodStart += elapsed / _periodStamps * _periodStamps;
    }

    private long ToStamps(TimeSpan span) => (long)Math.Ceiling(span.TotalSeconds * _time.TimestampFrequency);

    private sealed class Bucket(int tokens, long periodStart)
    {
        public int Tokens { get; set; } = tokens;

        /// <summary>The timestamp at which the current period began (periods are counted from the bucket's creation).</summary>
        public long PeriodStart { get; set; } = periodStart;

        public bool Removed { get; set; }
    }
}
