extern alias silo;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using silo::Orvirt.Silo.Security;

namespace Orvirt.Silo.Tests.Security;

/// <summary>
/// The lazily refilled per-key limiter behind the gRPC and HTTP per-client limits, on a fake clock: burst, refill at
/// whole periods, the retry delay it gives, independent keys, and eviction of buckets that have refilled.
/// </summary>
public sealed class KeyedTokenBucketTests
{
    [Fact]
    public void ABurstIsServedAndTheNextRequestIsRefusedUntilThePeriodEnds()
    {
        var clock = new FakeTimeProvider();
        var buckets = new KeyedTokenBucket(tokenLimit: 3, tokensPerPeriod: 1, TimeSpan.FromSeconds(1), clock);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(buckets.TryAcquire("a", out _), $"request {i + 1} of a burst of 3 was refused");
        }
        clock.Advance(TimeSpan.FromMilliseconds(400));

        Assert.False(buckets.TryAcquire("a", out var retryAfter), "a 4th request within the first period was served");
        Assert.Equal(TimeSpan.FromMilliseconds(600), retryAfter);
    }

    [Fact]
    public void EachWholePeriodAddsItsTokensUpToTheLimit()
    {
        var clock = new FakeTimeProvider();
        var buckets = new KeyedTokenBucket(tokenLimit: 4, tokensPerPeriod: 2, TimeSpan.FromSeconds(1), clock);
        Drain(buckets, "a", 4);

        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(buckets.TryAcquire("a", out var retryAfter), "a token appeared before the period ended");
        Assert.Equal(TimeSpan.FromMilliseconds(1), retryAfter);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, Drain(buckets, "a", 10));

        // Ten idle periods refill to the limit, not beyond it.
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(4, Drain(buckets, "a", 10));
    }

    [Fact]
    public void AFixedWindowRefillsCompletelyAtTheWindowBoundaryCountedFromTheFirstRequest()
    {
        var clock = new FakeTimeProvider();
        var windows = new KeyedTokenBucket(tokenLimit: 5, tokensPerPeriod: 5, TimeSpan.FromSeconds(10), clock);
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(5, Drain(windows, "a", 10));

        clock.Advance(TimeSpan.FromSeconds(7));
        Assert.False(windows.TryAcquire("a", out var retryAfter), "the window ended before 10 s since its first request");
        Assert.Equal(TimeSpan.FromSeconds(3), retryAfter);

        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(5, Drain(windows, "a", 10));
    }

    [Fact]
    public void KeysHaveTheirOwnBuckets()
    {
        var clock = new FakeTimeProvider();
        var buckets = new KeyedTokenBucket(tokenLimit: 2, tokensPerPeriod: 2, TimeSpan.FromSeconds(1), clock);
        Assert.Equal(2, Drain(buckets, "a", 5));

        Assert.Equal(2, Drain(buckets, "b", 5));
        Assert.Equal(2, buckets.Keys);
    }

    [Fact]
    public void ASweepDropsOnlyBucketsThatHaveRefilledCompletely()
    {
        var clock = new FakeTimeProvider();
        var buckets = new KeyedTokenBucket(tokenLimit: 4, tokensPerPeriod: 2, TimeSpan.FromSeconds(1), clock);
        Drain(buckets, "old", 4);
        clock.Advance(TimeSpan.FromSeconds(1));
        Drain(buckets, "new", 4);
        clock.Advance(TimeSpan.FromSeconds(1));

        // "old" has had two periods (4 tokens: full); "new" one period (2 of 4 tokens).
        buckets.Sweep();

        Assert.Equal(1, buckets.Keys);
        Assert.Equal(2, Drain(buckets, "new", 10));
        Assert.Equal(4, Drain(buckets, "old", 10));
    }

    [Fact]
    public void RequestsSweepIdleKeysOncePerSweepIntervalWithoutATimer()
    {
        var clock = new FakeTimeProvider();
        var buckets = new KeyedTokenBucket(tokenLimit: 1, tokensPerPeriod: 1, TimeSpan.FromSeconds(1), clock);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(buckets.TryAcquire($"client-{i}", out _), $"the first request of client-{i} was refused");
        }
        Assert.Equal(100, buckets.Keys);

        clock.Advance(KeyedTokenBucket.SweepInterval - TimeSpan.FromSeconds(1));
        Assert.True(buckets.TryAcquire("client-0", out _), "client-0 was refused after its bucket refilled");
        Assert.Equal(100, buckets.Keys);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(buckets.TryAcquire("late", out _), "a new client was refused");
        // client-0 was used a minute ago but has refilled as well; only the key just created stays.
        Assert.Equal(1, buckets.Keys);
    }

    [Fact]
    public void TheClientLimiterUsesTheBurstAndRateSettingsAndIsOffAtZero()
    {
        var clock = new FakeTimeProvider();
        var limiter = new ClientRateLimiter(Options.Create(new ApiLimitsOptions { RequestsPerSecond = 2, RequestBurst = 5 }), clock);
        var served = 0;
        while (served < 100 && limiter.TryAcquire("caller", out _))
        {
            served++;
        }
        Assert.Equal(5, served);
        Assert.False(limiter.TryAcquire("caller", out var retryAfter), "a request beyond the burst was served");
        Assert.Equal(TimeSpan.FromSeconds(1), retryAfter);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire("caller", out _), "no token after one second at 2 per second");
        Assert.True(limiter.TryAcquire("caller", out _), "only one token after one second at 2 per second");
        Assert.False(limiter.TryAcquire("caller", out _), "three tokens after one second at 2 per second");

        var off = new ClientRateLimiter(Options.Create(new ApiLimitsOptions { RequestsPerSecond = 0, RequestBurst = 1 }), clock);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(off.TryAcquire("caller", out _), $"request {i + 1} was refused with the limit off");
        }
    }

    private static int Drain(KeyedTokenBucket buckets, string key, int most)
    {
        var served = 0;
        while (served < most && buckets.TryAcquire(key, out _))
        {
            served++;
        }
        return served;
    }
}
