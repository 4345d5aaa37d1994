using System.Collections.Concurrent;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;

namespace Orvirt.NodeAgent.Tests.Agent;

public sealed class VmWorkQueueTests
{
    private static readonly VmId A = new("ns", "a");
    private static readonly VmId B = new("ns", "b");

    [Fact]
    public async Task AKeyAddedWhileItRunsRunsOnceMoreAfterwardsAndNeverConcurrently()
    {
        var release = new TaskCompletionSource();
        var firstStarted = new TaskCompletionSource();
        var runs = 0;
        var concurrent = 0;
        var maxConcurrent = 0;
        var done = new TaskCompletionSource();
        VmWorkQueue? queue = null;
        queue = new VmWorkQueue(4, async (id, ct) =>
        {
            var now = Interlocked.Increment(ref concurrent);
            InterlockedMax(ref maxConcurrent, now);
            var n = Interlocked.Increment(ref runs);
            if (n == 1)
            {
                firstStarted.SetResult();
                await release.Task;
            }
            Interlocked.Decrement(ref concurrent);
            if (n == 2)
            {
                done.SetResult();
            }
        }, TimeProvider.System);
        using var cts = new CancellationTokenSource();
        var running = queue.RunAsync(cts.Token);
        queue.Enqueue(A);
        await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Three more requests while the first runs coalesce into one more run.
        queue.Enqueue(A);
        queue.Enqueue(A);
        queue.Enqueue(A);
        release.SetResult();
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();
        await running;
        Assert.Equal(2, runs);
        Assert.Equal(1, maxConcurrent);
    }

    [Fact]
    public async Task DifferentKeysRunInParallelUpToTheLimit()
    {
        var bothRunning = new TaskCompletionSource();
        var inside = 0;
        var gate = new TaskCompletionSource();
        var queue = new VmWorkQueue(2, async (id, ct) =>
        {
            if (Interlocked.Increment(ref inside) == 2)
            {
                bothRunning.SetResult();
            }
            await gate.Task;
        }, TimeProvider.System);
        using var cts = new CancellationTokenSource();
        var running = queue.RunAsync(cts.Token);
        queue.Enqueue(A);
        queue.Enqueue(B);
        await bothRunning.Task.WaitAsync(TimeSpan.FromSeconds(10));
        gate.SetResult();
        await cts.CancelAsync();
        await running;
    }

    [Fact]
    public async Task AFailedKeyIsRetriedUntilItSucceeds()
    {
        var attempts = new ConcurrentQueue<DateTime>();
        var succeeded = new TaskCompletionSource();
        var queue = new VmWorkQueue(1, (id, ct) =>
        {
            attempts.Enqueue(DateTime.UtcNow);
            if (attempts.Count < 3)
            {
                throw new TimeoutException("transient");
            }
            succeeded.TrySetResult();
            return Task.CompletedTask;
        }, TimeProvider.System);
        using var cts = new CancellationTokenSource();
        var running = queue.RunAsync(cts.Token);
        queue.Enqueue(A);
        await succeeded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();
        await running;
        Assert.Equal(3, attempts.Count);
        Assert.Equal(0, queue.Depth);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
