using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Security;

/// <summary>
/// One token bucket per client key (<see cref="CallerIdentity.RateKey"/>), sized by <see cref="ApiLimitsOptions"/>:
/// <see cref="ApiLimitsOptions.RequestBurst"/> tokens, refilled by <see cref="ApiLimitsOptions.RequestsPerSecond"/>
/// every second. The buckets are refilled from the clock when a call comes (<see cref="KeyedTokenBucket"/>), so an
/// idle silo runs no timer for them; buckets that have refilled completely are dropped.
/// </summary>
public sealed class ClientRateLimiter
{
    private readonly KeyedTokenBucket? _buckets;

    public ClientRateLimiter(IOptions<ApiLimitsOptions> options, TimeProvider? time = null)
    {
        var limits = options.Value;
        RequestsPerSecond = limits.RequestsPerSecond;
        Burst = limits.RequestBurst;
        if (RequestsPerSecond > 0)
        {
            _buckets = new KeyedTokenBucket(Burst, RequestsPerSecond, TimeSpan.FromSeconds(1), time ?? TimeProvider.System);
        }
    }

    /// <summary>The configured average rate; 0 when the limit is off.</summary>
    public int RequestsPerSecond { get; }

    /// <summary>The configured burst.</summary>
    public int Burst { get; }

    /// <summary>Takes one request from <paramref name="key"/>'s bucket; false with a retry delay when it is empty.</summary>
    public bool TryAcquire(string key, out TimeSpan retryAfter)
    {
        if (_buckets is null)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }
        return _buckets.TryAcquire(key, out retryAfter);
    }
}
