using System.Collections.Concurrent;
using System.Collections.Immutable;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;

namespace Orvirt.NodeAgent.Tests.Agent;

/// <summary>
/// A stand-in for the node and VM grains for agent-logic tests: it serves assignments and desired states that the
/// test sets, records every report, and lets tests wait for a report. The real grains are covered by their own
/// tests and by the end-to-end test against the silo.
/// </summary>
public sealed class InMemoryControlPlane : IControlPlane
{
    private readonly ConcurrentDictionary<VmId, VmDesired> _vms = new();
    private readonly List<VmObserved> _reports = [];
    private readonly List<(Func<VmObserved, bool> Match, TaskCompletionSource<VmObserved> Done)> _waiters = [];
    private readonly Lock _gate = new();

    private readonly List<FenceConfirmation> _confirmations = [];
    private long _epoch = 1;
    private bool _fenced;
    private int _confirmsStillFenced;
    private Exception? _nextConfirmFailure;

    public int Registrations { get; private set; }

    /// <summary>Called at each cleanup confirmation; what it returns is recorded with it (e.g. the pods the agent still has).</summary>
    public Func<int>? PodsAtConfirmation { get; set; }

    /// <summary>Every call of <see cref="ConfirmFencedCleanupAsync"/>, in order.</summary>
    public IReadOnlyList<FenceConfirmation> Confirmations
    {
        get
        {
            lock (_gate)
            {
                return [.. _confirmations];
            }
        }
    }

    /// <summary>Fences the node as the node grain does after the grace period: the epoch rises, nothing is assigned.</summary>
    /// <param name="confirmsStillFenced">How many confirmations answer "still failing over" before one unfences.</param>
    public long Fence(int confirmsStillFenced = 0)
    {
        lock (_gate)
        {
            _epoch++;
            _fenced = true;
            _confirmsStillFenced = confirmsStillFenced;
            return _epoch;
        }
    }

    /// <summary>The next confirmation throws <paramref name="failure"/>; an <see cref="ArgumentException"/> also raises the fence epoch (fenced again).</summary>
    public void FailNextConfirmation(Exception failure)
    {
        lock (_gate)
        {
            _nextConfirmFailure = failure;
        }
    }

    public Task<NodeInfo> ConfirmFencedCleanupAsync(string node, string agentInstanceId, long epoch, CancellationToken ct)
    {
        lock (_gate)
        {
            _confirmations.Add(new FenceConfirmation(epoch, PodsAtConfirmation?.Invoke() ?? -1));
            if (_nextConfirmFailure is { } failure)
            {
                _nextConfirmFailure = null;
                if (failure is ArgumentException)
                {
                    _epoch++;
                }
                throw failure;
            }
            if (_fenced && epoch != _epoch)
            {
                throw new ArgumentException($"epoch {epoch} is not the epoch node '{node}' was fenced at ({_epoch})", nameof(epoch));
            }
            if (_fenced && _confirmsStillFenced > 0)
            {
                _confirmsStillFenced--;
            }
            else if (_fenced)
            {
                _fenced = false;
                _epoch++;
            }
            return Task.FromResult(Info(node));
        }
    }

    public int Heartbeats { get; private set; }

    public IReadOnlyList<VmObserved> Reports
    {
        get
        {
            lock (_gate)
            {
                return [.. _reports];
            }
        }
    }

    public void Set(VmDesired desired) => _vms[desired.Id] = desired;

    public void Remove(VmId id) => _vms.TryRemove(id, out _);

    public Task<NodeInfo> RegisterAsync(NodeRegistration registration, CancellationToken ct)
    {
        lock (_gate)
        {
            Registrations++;
            return Task.FromResult(Info(registration.Name) with { Allocatable = registration.Allocatable, Hypervisor = registration.Hypervisor });
        }
    }

    public Task<NodeInfo> HeartbeatAsync(string node, string agentInstanceId, CancellationToken ct)
    {
        lock (_gate)
        {
            Heartbeats++;
            return Task.FromResult(Info(node));
        }
    }

    public Task<ImmutableArray<VmDesired>> GetAssignmentsAsync(string node, CancellationToken ct) =>
        Task.FromResult(_fenced ? [] : _vms.Values.Where(v => v.Node == node).ToImmutableArray());

    public Task<VmDesired?> GetDesiredAsync(VmId id, CancellationToken ct) =>
        Task.FromResult(_vms.TryGetValue(id, out var d) ? d : null);

    public Task<ReportAck> ReportObservedAsync(VmObserved observed, CancellationToken ct)
    {
        lock (_gate)
        {
            _reports.Add(observed);
            foreach (var w in _waiters.Where(w => w.Match(observed)).ToList())
            {
                w.Done.TrySetResult(observed);
                _waiters.Remove(w);
            }
        }
        return Task.FromResult(_vms.TryGetValue(observed.Id, out var d)
            ? new ReportAck { Accepted = d.InstanceId == observed.InstanceId, Desired = d }
            : new ReportAck { Accepted = false, Reason = "VM does not exist" });
    }

    private NodeInfo Info(string node) => new()
    {
        Name = node,
        Registered = true,
        Ready = !_fenced,
        Reason = _fenced ? "Fenced" : "AgentReady",
        Fenced = _fenced,
        Epoch = _epoch,
    };

    /// <summary>Waits for a report (already made or future) that matches; fails with the reports seen.</summary>
    public async Task<VmObserved> WaitForReportAsync(Func<VmObserved, bool> match, string what, double seconds = 15, int after = 0)
    {
        TaskCompletionSource<VmObserved> done;
        lock (_gate)
        {
            var existing = _reports.Skip(after).FirstOrDefault(match);
            if (existing is not null)
            {
                return existing;
            }
            done = new TaskCompletionSource<VmObserved>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
        }
        try
        {
            return await done.Task.WaitAsync(TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException)
        {
            var seen = string.Join("; ", Reports.Skip(after).Select(r => $"{r.Name} {r.State} {r.Reason} seq {r.DesiredSequence} '{r.Message}'"));
            throw new Xunit.Sdk.XunitException($"no report {what} within {seconds} s; reports: [{seen}]");
        }
    }
}
