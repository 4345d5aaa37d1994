namespace Orvirt.Silo.Options;

/// <summary>
/// Tuning of the memory stream provider (<c>Orvirt:Streams</c>). The Orleans default polls every 100 ms
/// (p50 ~55 ms a hop); 10 ms with batches of 100 measured p50 ~8 ms and ~22k events/s on 2 cores.
/// </summary>
public sealed class StreamingOptions
{
    public const string Section = "Orvirt:Streams";

    /// <summary>How often the pulling agent reads the memory queues. Default 10 ms; 1 ms to 10 s.</summary>
    public TimeSpan PullPeriod { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Most events delivered per batch. Default 100; 1 to 10000.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Number of memory queues. Default 8; 1 to 256.</summary>
    public int Queues { get; set; } = 8;

    /// <summary>
    /// How often an idle queue is read at the most. A pull of a queue that this silo did not enqueue into since the
    /// last read, and that was not found non-empty in the last 2 s, does not call the queue grain: it waits until this
    /// silo enqueues into the queue (then reads at once) or this period has passed since the last read. So an idle
    /// silo makes <see cref="Queues"/> timer ticks and queue-grain calls per period instead of <see cref="Queues"/> /
    /// <see cref="PullPeriod"/> (800/s at 8 queues and 10 ms). The period bounds only the delay of an event that
    /// another silo of a cluster enqueues into a queue that was idle. Default (empty): 100 ms in
    /// <see cref="OrvirtMode.Redis"/> mode, 5 s in <see cref="OrvirtMode.Embedded"/> mode (one silo: every enqueue is
    /// its own and wakes the pull); from <see cref="PullPeriod"/> (adaptive pull off) to 10 s.
    /// </summary>
    public TimeSpan? IdlePullPeriod { get; set; }

    /// <summary>The idle pull period in effect for <paramref name="mode"/>: <see cref="IdlePullPeriod"/> or its mode's default.</summary>
    public TimeSpan EffectiveIdlePullPeriod(OrvirtMode mode) =>
        IdlePullPeriod ?? (mode == OrvirtMode.Redis ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(5));
}
