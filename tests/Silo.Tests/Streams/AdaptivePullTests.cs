extern alias silo;
using silo::Orvirt.Silo.Dashboard;
using silo::Orvirt.Silo.Options;
using silo::Orvirt.Silo.Streams;

namespace Orvirt.Silo.Tests.Streams;

/// <summary>When the adaptive pull reads a memory queue (times are the caller's clock in ms, so no test waits).</summary>
public sealed class AdaptivePullTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Busy = TimeSpan.FromSeconds(2);

    [Fact]
    public void ANewQueueIsReadAtOnceThenAnIdleOneOnlyOncePerIdlePeriod()
    {
        var queue = new QueueActivity(Idle, Busy);
        Assert.True(queue.ShouldRead(1_000));
        queue.Read(1_000, 0);
        Assert.False(queue.ShouldRead(1_010));
        Assert.False(queue.ShouldRead(1_099));
        Assert.True(queue.ShouldRead(1_100));
        queue.Read(1_100, 0);
        Assert.False(queue.ShouldRead(1_110));
    }

    [Fact]
    public void AnEnqueueFromThisSiloIsReadAtTheNextPullAndOnlyOnce()
    {
        var queue = new QueueActivity(Idle, Busy);
        queue.Read(1_000, 0);
        queue.MarkEnqueued();
        Assert.True(queue.ShouldRead(1_010));
        queue.Read(1_010, 0);
        Assert.False(queue.ShouldRead(1_020));
    }

    [Fact]
    public void AnEnqueueDuringARunningReadIsReadAtTheFollowingPull()
    {
        var queue = new QueueActivity(Idle, Busy);
        queue.Read(1_000, 0);
        queue.MarkEnqueued();
        Assert.True(queue.ShouldRead(1_010)); // the read starts and clears the mark ...
        queue.MarkEnqueued();                 // ... an event lands while it runs ...
        queue.Read(1_010, 0);                 // ... and the read did not see it.
        Assert.True(queue.ShouldRead(1_020));
    }

    [Fact]
    public void AQueueFoundNonEmptyIsReadAtEveryPullForTheBusyWindow()
    {
        var queue = new QueueActivity(Idle, Busy);
        queue.Read(1_000, 3);
        Assert.True(queue.ShouldRead(1_010));
        queue.Read(1_010, 0);
        Assert.True(queue.ShouldRead(2_990));
        queue.Read(2_990, 0);
        Assert.False(queue.ShouldRead(3_000)); // the busy window is over and the last read was 10 ms ago
        Assert.True(queue.ShouldRead(3_090));  // the idle period after the last read
    }

    [Theory]
    [InlineData("00:00:00.005", "IdlePullPeriod")]
    [InlineData("00:00:11", "IdlePullPeriod")]
    public void AnIdlePullPeriodOutsidePullPeriodTo10SecondsIsRefusedWithTheFix(string idle, string expected)
    {
        var result = new StreamingOptionsValidator().Validate(null, new StreamingOptions { IdlePullPeriod = TimeSpan.Parse(idle, System.Globalization.CultureInfo.InvariantCulture) });
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("ORVIRT__STREAMS__IDLEPULLPERIOD=", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void TheStreamingAndDashboardDefaultsAreValid()
    {
        Assert.True(new StreamingOptionsValidator().Validate(null, new StreamingOptions()).Succeeded);
        Assert.True(new DashboardTuningOptionsValidator().Validate(null, new DashboardTuningOptions()).Succeeded);
        var bad = new DashboardTuningOptionsValidator().Validate(null, new DashboardTuningOptions { CounterUpdateInterval = TimeSpan.FromMilliseconds(500) });
        Assert.True(bad.Failed);
        Assert.Contains("ORVIRT__DASHBOARD__COUNTERUPDATEINTERVAL", bad.FailureMessage, StringComparison.Ordinal);
    }
}
