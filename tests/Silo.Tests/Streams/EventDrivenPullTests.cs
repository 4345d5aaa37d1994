extern alias silo;
using Microsoft.Extensions.Time.Testing;
using Orleans.Streams;
using silo::Orvirt.Silo.Options;
using silo::Orvirt.Silo.Streams;

namespace Orvirt.Silo.Tests.Streams;

/// <summary>
/// The event-driven pull: a pull of an idle queue waits for an enqueue of this silo or the end of the idle period,
/// without calling the queue grain meanwhile. Idle periods run on a fake clock, so no test waits for time to pass.
/// </summary>
public sealed class EventDrivenPullTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Busy = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task AWaitingPullWakesWhenThisSiloEnqueues()
    {
        var queue = new QueueActivity(TimeSpan.FromHours(1), Busy, new FakeTimeProvider());
        Assert.True(queue.ShouldRead(1_000)); // a new queue is read at once
        queue.Read(1_000, 0);
        var wait = queue.WaitAsync(1_010, CancellationToken.None);
        Assert.False(wait.IsCompleted, "an idle queue's pull should wait for an enqueue");
        queue.MarkEnqueued();
        await wait.WaitAsync(Deadline);
        Assert.True(queue.ShouldRead(1_020), "the pull woken by an enqueue should read the queue");
    }

    [Fact]
    public async Task AWaitingPullEndsWhenTheIdlePeriodSinceTheLastReadIsOver()
    {
        var time = new FakeTimeProvider();
        var queue = new QueueActivity(TimeSpan.FromMilliseconds(100), Busy, time);
        Assert.True(queue.ShouldRead(1_000)); // a new queue is read at once
        queue.Read(1_000, 0);
        var wait = queue.WaitAsync(1_010, CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(89));
        Assert.False(wait.IsCompleted, "the idle period (100 ms after the read at 1,000) is not over at 1,099");
        time.Advance(TimeSpan.FromMilliseconds(1));
        await wait.WaitAsync(Deadline);
        Assert.True(queue.ShouldRead(1_100));
    }

    [Fact]
    public void APullDoesNotWaitForAnEnqueueThatCameBeforeItOrInTheBusyWindow()
    {
        var queue = new QueueActivity(TimeSpan.FromHours(1), Busy, new FakeTimeProvider());
        Assert.True(queue.ShouldRead(1_000));
        queue.Read(1_000, 0);
        queue.MarkEnqueued();
        Assert.True(queue.WaitAsync(1_010, CancellationToken.None).IsCompletedSuccessfully, "an enqueue before the wait should end it at once");

        var busy = new QueueActivity(TimeSpan.FromHours(1), Busy, new FakeTimeProvider());
        Assert.True(busy.ShouldRead(1_000));
        busy.Read(1_000, 5);
        Assert.True(busy.WaitAsync(1_010, CancellationToken.None).IsCompletedSuccessfully, "a queue found non-empty 10 ms ago should be read at every pull");
    }

    [Fact]
    public async Task AnIdlePullCallsTheQueueOnlyWhenWokenAndShutdownEndsAWaitingPull()
    {
        var time = new FakeTimeProvider();
        var activity = new QueueActivity(TimeSpan.FromHours(1), Busy, time);
        var inner = new CountingReceiver();
        var receiver = new AdaptivePullReceiver(inner, activity);

        // A new queue is read at once.
        Assert.Empty(await receiver.GetQueueMessagesAsync(10).WaitAsync(Deadline));
        Assert.Equal(1, inner.Reads);

        // Idle: the pull waits without reading until this silo enqueues.
        var pull = receiver.GetQueueMessagesAsync(10);
        Assert.False(pull.IsCompleted, "an idle pull should wait");
        Assert.Equal(1, inner.Reads);
        activity.MarkEnqueued();
        await pull.WaitAsync(Deadline);
        Assert.Equal(2, inner.Reads);

        // Shutdown ends a waiting pull, which then reads nothing.
        var last = receiver.GetQueueMessagesAsync(10);
        Assert.False(last.IsCompleted, "an idle pull should wait");
        await receiver.Shutdown(TimeSpan.FromSeconds(1));
        Assert.Empty(await last.WaitAsync(Deadline));
        Assert.Equal(2, inner.Reads);
        Assert.True(inner.ShutDown);
    }

    [Fact]
    public void TheIdlePullPeriodDefaultsToTheModesAndAnExplicitOneWins()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), new StreamingOptions().EffectiveIdlePullPeriod(OrvirtMode.Embedded));
        Assert.Equal(TimeSpan.FromMilliseconds(100), new StreamingOptions().EffectiveIdlePullPeriod(OrvirtMode.Redis));
        var set = new StreamingOptions { IdlePullPeriod = TimeSpan.FromMilliseconds(250) };
        Assert.Equal(TimeSpan.FromMilliseconds(250), set.EffectiveIdlePullPeriod(OrvirtMode.Embedded));
        Assert.Equal(TimeSpan.FromMilliseconds(250), set.EffectiveIdlePullPeriod(OrvirtMode.Redis));
    }

    private sealed class CountingReceiver : IQueueAdapterReceiver
    {
        public int Reads;
        public bool ShutDown;

        public Task Initialize(TimeSpan timeout) => Task.CompletedTask;

        public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount)
        {
            Interlocked.Increment(ref Reads);
            return Task.FromResult<IList<IBatchContainer>>([]);
        }

        public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => Task.CompletedTask;

        public Task Shutdown(TimeSpan timeout)
        {
            ShutDown = true;
            return Task.CompletedTask;
        }
    }
}
