using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;

namespace Orvirt.NodeAgent.Tests.Agent;

/// <summary>The wait a <see cref="VmWorkQueue"/> reports for its latency metric, on a fake clock.</summary>
public sealed class VmWorkQueueLatencyTests
{
    private static readonly VmId A = new("ns", "a");
    private static readonly VmId B = new("ns", "b");

    [Fact]
    public async Task ACoalescedKeyWaitsFromItsFirstEnqueue()
    {
        var time = new FakeTimeProvider();
        var releaseA = new TaskCompletionSource();
        var aStarted = new TaskCompletionSource();
        var bStarted = new TaskCompletionSource();
        var queue = new VmWorkQueue(1, async (id, ct) =>
        {
            if (id == A)
            {
                aStarted.TrySetResult();
                await releaseA.Task.WaitAsync(ct);
            }
            else
            {
                bStarted.TrySetResult();
            }
        }, time);
        var waits = new ConcurrentQueue<TimeSpan>();
        queue.WaitObserved = waits.Enqueue;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = queue.RunAsync(cts.Token);

        queue.Enqueue(A);
        await aStarted.Task.WaitAsync(cts.Token);
        // The one worker is busy with A: B waits in the queue; its second enqueue coalesces and must not reset the clock.
        queue.Enqueue(B);
        time.Advance(TimeSpan.FromSeconds(1));
        queue.Enqueue(B);
        Assert.Equal(1, queue.Depth);
        time.Advance(TimeSpan.FromSeconds(2));
        releaseA.SetResult();
        await bStarted.Task.WaitAsync(cts.Token);

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(3)], waits.ToArray());
        Assert.Equal(0, queue.Depth);
        await cts.CancelAsync();
        await running;
    }

    [Fact]
    public async Task AKeyAddedWhileItRunsWaitsFromThatAdd()
    {
        var time = new FakeTimeProvider();
        var releaseFirst = new TaskCompletionSource();
        var firstStarted = new TaskCompletionSource();
        var secondStarted = new TaskCompletionSource();
        var runs = 0;
        var queue = new VmWorkQueue(1, async (id, ct) =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                firstStarted.SetResult();
                await releaseFirst.Task.WaitAsync(ct);
            }
            else
            {
                secondStarted.TrySetResult();
            }
        }, time);
        var waits = new ConcurrentQueue<TimeSpan>();
        queue.WaitObserved = waits.Enqueue;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = queue.RunAsync(cts.Token);

        queue.Enqueue(A);
        await firstStarted.Task.WaitAsync(cts.Token);
        queue.Enqueue(A);
        time.Advance(TimeSpan.FromSeconds(5));
        releaseFirst.SetResult();
        await secondStarted.Task.WaitAsync(cts.Token);

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(5)], waits.ToArray());
        await cts.CancelAsync();
        await running;
    }
}
