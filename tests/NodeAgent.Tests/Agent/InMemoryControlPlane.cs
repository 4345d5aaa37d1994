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

    public int Registrations { get; private set; }

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
        Registrations++;
        return Task.FromResult(new NodeInfo { Name = registration.Name, Registered = true, Ready = true, Epoch = 1, Allocatable = registration.Allocatable, Hypervisor = registration.Hypervisor });
    }

    public Task<NodeInfo> HeartbeatAsync(string node, string agentInstanceId, CancellationToken ct)
    {
        Heartbeats++;
        return Task.FromResult(new NodeInfo { Name = node, Registered = true, Ready = true, Epoch = 1 });
    }

    public Task<ImmutableArray<VmDesired>> GetAssignmentsAsync(string node, CancellationToken ct) =>
        Task.FromResult(_vms.Values.Where(v => v.Node == node).ToImmutableArray());

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
