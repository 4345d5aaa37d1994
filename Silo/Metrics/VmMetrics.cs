using System.Diagnostics.Metrics;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Metrics;

/// <summary>
/// The silo's VM and node metrics. It keeps the last phase and node of every VM (fed from the VM event stream and
/// a periodic relist by <see cref="VmMetricsCollector"/>) so that <see cref="OrvirtMetrics.VmiPhaseCount"/> is a
/// cheap observable gauge, and records a phase-transition and a create-to-running sample for each transition that
/// happened after it was created, exactly once, by whichever of event or relist sees the transition first.
/// </summary>
public sealed class VmMetrics
{
    /// <summary>Bucket bounds in seconds for phase and start-up durations: 50 ms to 10 min.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];

    private readonly object _gate = new();
    private readonly Dictionary<VmId, Tracked> _vms = [];
    // Every (phase, node) ever reported: one that empties is reported as 0 rather than left at its last value.
    private readonly HashSet<(VmPhase Phase, string Node)> _reported = [];
    private readonly Histogram<double> _transitionTime;
    private readonly Histogram<double> _createToRunning;
    private readonly DateTimeOffset _startedAt;
    private IReadOnlyList<NodeInfo> _nodes = [];

    /// <param name="meterFactory">Creates the <see cref="OrvirtMetrics.SiloMeter"/> meter.</param>
    /// <param name="time">The clock that says when measuring began; transitions before it are history and not recorded. Default: the system clock.</param>
    public VmMetrics(IMeterFactory meterFactory, TimeProvider? time = null)
    {
        _startedAt = (time ?? TimeProvider.System).GetUtcNow();
        var meter = meterFactory.Create(OrvirtMetrics.SiloMeter);
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets };
        _transitionTime = meter.CreateHistogram(OrvirtMetrics.VmiPhaseTransitionTimeSeconds, "s",
            "Time spent in the previous phase when a VM entered a phase, by target phase.", advice: advice);
        _createToRunning = meter.CreateHistogram(OrvirtMetrics.VmCreateToRunningSeconds, "s",
            "Time from a VM's creation to its first Running.", advice: advice);
        meter.CreateObservableGauge(OrvirtMetrics.VmiPhaseCount, ObservePhaseCounts, description: "VMs by run phase and node.");
        meter.CreateObservableGauge(OrvirtMetrics.NodeReady, ObserveNodeReady, description: "1 when the node is Ready, else 0.");
    }

    /// <summary>Takes one VM event from the stream; transitions not seen before are recorded.</summary>
    public void Observe(VmEvent e)
    {
        lock (_gate)
        {
            if (e.Type == VmEventType.Deleted)
            {
                _vms.Remove(e.Vm.Id);
                return;
            }
            Apply(e.Vm);
        }
    }

    /// <summary>
    /// Replaces the whole picture with a fresh list (start-up and periodic relist). VMs missing from the list are
    /// forgotten; transitions not seen before are recorded, so an event that lags behind the relist counts nothing twice.
    /// </summary>
    public void Reset(IEnumerable<VmSnapshot> vms)
    {
        lock (_gate)
        {
            var present = new HashSet<VmId>();
            foreach (var vm in vms)
            {
                present.Add(vm.Id);
                Apply(vm);
            }
            foreach (var gone in _vms.Keys.Where(id => !present.Contains(id)).ToList())
            {
                _vms.Remove(gone);
            }
        }
    }

    /// <summary>Replaces the node list that <see cref="OrvirtMetrics.NodeReady"/> reports.</summary>
    public void SetNodes(IReadOnlyList<NodeInfo> nodes) => Volatile.Write(ref _nodes, nodes);

    /// <summary>The current counts by (phase, node), as the gauge reports them.</summary>
    public IReadOnlyDictionary<(VmPhase Phase, string Node), int> PhaseCounts()
    {
        lock (_gate)
        {
            return _vms.Values
                .Where(v => v.Phase != VmPhase.None)
                .GroupBy(v => (v.Phase, v.Node))
                .ToDictionary(g => g.Key, g => g.Count());
        }
    }

    private void Apply(VmSnapshot vm)
    {
        if (!_vms.TryGetValue(vm.Id, out var known) || known.Uid != vm.Uid)
        {
            // Transitions from before measuring began (e.g. before a silo restart) are history, not samples.
            known = new Tracked
            {
                Uid = vm.Uid,
                CreatedAt = vm.CreatedAt,
                LastTransitionAt = _startedAt,
                ReachedRunning = vm.Status.PhaseTransitions.Any(t => t.Phase == VmPhase.Running && t.At <= _startedAt),
            };
            _vms[vm.Id] = known;
        }
        else if (vm.ResourceVersion < known.ResourceVersion)
        {
            return;
        }
        known.ResourceVersion = vm.ResourceVersion;
        known.Phase = vm.Status.Phase;
        known.Node = vm.Status.Node ?? "";
        var transitions = vm.Status.PhaseTransitions;
        for (var i = 0; i < transitions.Length; i++)
        {
            var t = transitions[i];
            if (t.At <= known.LastTransitionAt)
            {
                continue;
            }
            known.LastTransitionAt = t.At;
            var phase = new KeyValuePair<string, object?>(OrvirtMetrics.PhaseTag, t.Phase.ToString());
            if (i > 0)
            {
                _transitionTime.Record(Math.Max(0, (t.At - transitions[i - 1].At).TotalSeconds), phase);
            }
            if (t.Phase == VmPhase.Running && !known.ReachedRunning)
            {
                known.ReachedRunning = true;
                _createToRunning.Record(Math.Max(0, (t.At - known.CreatedAt).TotalSeconds));
            }
        }
    }

    private IEnumerable<Measurement<int>> ObservePhaseCounts()
    {
        var counts = PhaseCounts();
        List<(VmPhase Phase, string Node)> keys;
        lock (_gate)
        {
            _reported.UnionWith(counts.Keys);
            keys = [.. _reported];
        }
        return keys.Select(key => new Measurement<int>(counts.GetValueOrDefault(key),
            new KeyValuePair<string, object?>(OrvirtMetrics.PhaseTag, key.Phase.ToString()),
            new KeyValuePair<string, object?>(OrvirtMetrics.NodeTag, key.Node)));
    }

    private IEnumerable<Measurement<int>> ObserveNodeReady() =>
        Volatile.Read(ref _nodes).Select(n => new Measurement<int>(n.Ready ? 1 : 0, new KeyValuePair<string, object?>(OrvirtMetrics.NodeTag, n.Name)));

    private sealed class Tracked
    {
        public string Uid { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }
        public long ResourceVersion { get; set; }
        public VmPhase Phase { get; set; }
        public string Node { get; set; } = "";
        public DateTimeOffset LastTransitionAt { get; set; }
        /// <summary>Its first Running has been recorded (or happened before measuring began).</summary>
        public bool ReachedRunning { get; set; }
    }
}
