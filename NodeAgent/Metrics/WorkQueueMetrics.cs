using System.Diagnostics.Metrics;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;

namespace Orvirt.NodeAgent.Metrics;

/// <summary>
/// The agent's meter (<see cref="OrvirtMetrics.AgentMeter"/>): <see cref="OrvirtMetrics.WorkqueueDepth"/> (VMs waiting in
/// the attached work queue) and <see cref="OrvirtMetrics.WorkqueueLatencySeconds"/> (how long a VM waited before its sync started).
/// </summary>
public sealed class WorkQueueMetrics
{
    private static readonly IReadOnlyList<double> LatencyBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private readonly Histogram<double> _latency;
    private VmWorkQueue? _queue;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public WorkQueueMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(OrvirtMetrics.AgentMeter);
        meter.CreateObservableGauge(OrvirtMetrics.WorkqueueDepth, ObserveDepth, description: "VMs waiting in the agent's work queue (not counting those being synced).");
        _latency = meter.CreateHistogram(OrvirtMetrics.WorkqueueLatencySeconds, "s", "How long a VM waited in the agent's work queue before its sync started.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
    }

    /// <summary>Measures <paramref name="queue"/> from now on (the latest attached queue is the one the depth gauge reads).</summary>
    public void Attach(VmWorkQueue queue)
    {
        queue.WaitObserved = waited => _latency.Record(waited.TotalSeconds);
        Volatile.Write(ref _queue, queue);
    }

    private IEnumerable<Measurement<int>> ObserveDepth()
    {
        // Before the agent has started there is no queue: report nothing rather than a made-up zero.
        return Volatile.Read(ref _queue) is { } queue ? [new Measurement<int>(queue.Depth)] : [];
    }
}
