extern alias silo;

using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Orvirt.Interfaces;
using VmMetrics = silo::Orvirt.Silo.Metrics.VmMetrics;

namespace Orvirt.Web.Tests;

/// <summary>How <see cref="VmMetrics"/> turns VM events and relists into phase counts and duration samples.</summary>
public sealed class VmMetricsTests : IDisposable
{
    private static readonly DateTimeOffset Created = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, string? Phase)> _recorded = [];
    private readonly List<(int Value, string Phase, string Node)> _phaseCounts = [];
    private readonly PlainMeterFactory _meters = new();
    private readonly VmMetrics _metrics;

    public VmMetricsTests()
    {
        // Measuring begins at Created: offsets below are seconds after it (negative: before the silo started).
        _metrics = new VmMetrics(_meters, new FixedClock(Created));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this test's meter: other tests' VmMetrics publish instruments of the same names.
            if (_meters.Owns(instrument.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            _recorded.Add((instrument.Name, value, Tag(tags, OrvirtMetrics.PhaseTag))));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
        {
            if (instrument.Name == OrvirtMetrics.VmiPhaseCount)
            {
                _phaseCounts.Add((value, Tag(tags, OrvirtMetrics.PhaseTag)!, Tag(tags, OrvirtMetrics.NodeTag)!));
            }
        });
        _listener.Start();
    }

    [Fact]
    public void EachTransitionIsRecordedOnceEvenWhenEventsRepeat()
    {
        var running = Vm("a", VmPhase.Running, "n1", 3, (VmPhase.Pending, 0.5), (VmPhase.Scheduled, 0.75), (VmPhase.Running, 2.5));

        _metrics.Observe(new VmEvent { Type = VmEventType.Added, Vm = running });
        _metrics.Observe(new VmEvent { Type = VmEventType.Modified, Vm = running });
        _metrics.Reset([running]);

        Assert.Equal([(OrvirtMetrics.VmiPhaseTransitionTimeSeconds, 0.25, "Scheduled"), (OrvirtMetrics.VmiPhaseTransitionTimeSeconds, 1.75, "Running")],
            _recorded.Where(r => r.Instrument == OrvirtMetrics.VmiPhaseTransitionTimeSeconds));
        Assert.Equal([2.5], _recorded.Where(r => r.Instrument == OrvirtMetrics.VmCreateToRunningSeconds).Select(r => r.Value));
    }

    [Fact]
    public void LaterTransitionsOfAKnownVmAreRecordedAndOlderVersionsIgnored()
    {
        var scheduled = Vm("a", VmPhase.Scheduled, "n1", 2, (VmPhase.Pending, 0), (VmPhase.Scheduled, 1));
        var running = Vm("a", VmPhase.Running, "n1", 3, (VmPhase.Pending, 0), (VmPhase.Scheduled, 1), (VmPhase.Running, 4));

        _metrics.Observe(new VmEvent { Type = VmEventType.Added, Vm = scheduled });
        _metrics.Observe(new VmEvent { Type = VmEventType.Modified, Vm = running });
        _metrics.Observe(new VmEvent { Type = VmEventType.Modified, Vm = scheduled });

        Assert.Equal([("Scheduled", 1.0), ("Running", 3.0)],
            _recorded.Where(r => r.Instrument == OrvirtMetrics.VmiPhaseTransitionTimeSeconds).Select(r => (r.Phase!, r.Value)));
        Assert.Equal(1, _metrics.PhaseCounts()[(VmPhase.Running, "n1")]);
        Assert.False(_metrics.PhaseCounts().ContainsKey((VmPhase.Scheduled, "n1")));
    }

    [Fact]
    public void RelistCountsPhasesWithoutRecordingTransitionsFromBeforeTheStart()
    {
        _metrics.Reset([
            Vm("a", VmPhase.Running, "n1", 3, (VmPhase.Pending, -9), (VmPhase.Running, -8)),
            Vm("b", VmPhase.Running, "n1", 3, (VmPhase.Pending, -9), (VmPhase.Running, -8)),
            Vm("c", VmPhase.Pending, null, 1, (VmPhase.Pending, -5)),
            Vm("d", VmPhase.None, null, 1)]);

        Assert.Empty(_recorded);
        Assert.Equal(new Dictionary<(VmPhase, string), int> { [(VmPhase.Running, "n1")] = 2, [(VmPhase.Pending, "")] = 1 }, _metrics.PhaseCounts());
    }

    [Fact]
    public void ARelistAheadOfItsEventRecordsTheTransitionAndTheLateEventAddsNothing()
    {
        var running = Vm("a", VmPhase.Running, "n1", 3, (VmPhase.Pending, 1), (VmPhase.Scheduled, 1.5), (VmPhase.Running, 3));

        _metrics.Reset([running]);
        _metrics.Observe(new VmEvent { Type = VmEventType.Added, Vm = running });

        Assert.Equal([("Scheduled", 0.5), ("Running", 1.5)],
            _recorded.Where(r => r.Instrument == OrvirtMetrics.VmiPhaseTransitionTimeSeconds).Select(r => (r.Phase!, r.Value)));
        Assert.Equal([3.0], _recorded.Where(r => r.Instrument == OrvirtMetrics.VmCreateToRunningSeconds).Select(r => r.Value));
    }

    [Fact]
    public void AVmRunningBeforeTheStartIsNotCountedAsCreatedToRunningWhenItRunsAgain()
    {
        _metrics.Reset([Vm("a", VmPhase.Running, "n1", 3, (VmPhase.Pending, -9), (VmPhase.Running, -8))]);
        _metrics.Observe(new VmEvent
        {
            Type = VmEventType.Modified,
            Vm = Vm("a", VmPhase.Running, "n1", 6, (VmPhase.Pending, -9), (VmPhase.Running, -8), (VmPhase.Succeeded, 2), (VmPhase.Pending, 3), (VmPhase.Running, 5)),
        });

        Assert.DoesNotContain(_recorded, r => r.Instrument == OrvirtMetrics.VmCreateToRunningSeconds);
        Assert.Equal([("Succeeded", 10.0), ("Pending", 1.0), ("Running", 2.0)],
            _recorded.Where(r => r.Instrument == OrvirtMetrics.VmiPhaseTransitionTimeSeconds).Select(r => (r.Phase!, r.Value)));
    }

    [Fact]
    public void APhaseThatEmptiesIsReportedAsZeroNotLeftAtItsLastValue()
    {
        var pending = Vm("a", VmPhase.Pending, null, 1, (VmPhase.Pending, 0));
        _metrics.Observe(new VmEvent { Type = VmEventType.Added, Vm = pending });
        _listener.RecordObservableInstruments();
        _metrics.Observe(new VmEvent { Type = VmEventType.Deleted, Vm = pending });
        _listener.RecordObservableInstruments();

        Assert.Equal([(1, "Pending", ""), (0, "Pending", "")], _phaseCounts);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _meters.Dispose();
    }

    private static VmSnapshot Vm(string name, VmPhase phase, string? node, long resourceVersion, params (VmPhase Phase, double AtSeconds)[] transitions) => new()
    {
        Namespace = "test",
        Name = name,
        Uid = "uid-" + name,
        CreatedAt = Created,
        ResourceVersion = resourceVersion,
        Status = new VmStatus
        {
            Phase = phase,
            Node = node,
            PhaseTransitions = [.. transitions.Select(t => new PhaseTransition { Phase = t.Phase, At = Created.AddSeconds(t.AtSeconds) })],
        },
    };

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value as string;
            }
        }
        return null;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class PlainMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public bool Owns(Meter meter) => _meters.Contains(meter);

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
