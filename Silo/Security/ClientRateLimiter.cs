using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Security;

/// <summary>
/// One token bucket per client key (<see cref="CallerIdentity.RateKey"/>), sized by <see cref="ApiLimitsOptions"/>:
/// <see cref="ApiLimitsOptions.RequestBurst"/> tokens, refilled by <see cref="ApiLimitsOptions.RequestsPerSecond"/>
/// every second. Idle buckets are dropped by the partitioned limiter.
/// </summary>
public sealed class ClientRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    public ClientRateLimiter(IOptions<ApiLimitsOptions> options)
    {
        var limits = options.Value;
        RequestsPerSecond = limits.RequestsPerSecond;
        Burst = limits.RequestBurst;
        if (RequestsPerSecond > 0)
        {
            _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = Burst,
                TokensPerPeriod = RequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        }
    }

    /// <summary>The configured average rate; 0 when the limit is off.</summary>
    public int RequestsPerSecond { get; }

    /// <summary>The configured burst.</summary>
    public int Burst { get; }

    /// <summary>Takes one request from <paramref name="key"/>'s bucket; false with a retry delay when it is empty.</summary>
    public bool TryAcquire(string key, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_limiter is null)
        {
            return true;
        }
        using var lease = _limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return true;
        }
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        return false;
    }

    public void Dispose() => _limiter?.Dispose();
}
