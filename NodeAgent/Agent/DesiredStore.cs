using System.Collections.Concurrent;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>The latest desired state per VM. Latest wins; a message whose sequence is not above the last one kept or applied for the same uid is ignored.</summary>
public sealed class DesiredStore
{
    private readonly ConcurrentDictionary<VmId, VmDesired> _latest = new();
    private readonly ConcurrentDictionary<string, long> _appliedByUid = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<VmId, StopInterrupt> _stops = new();
    private readonly Lock _gate = new();

    /// <summary>Keeps <paramref name="desired"/> when it is newer than what is known; true when kept.</summary>
    public bool Offer(VmDesired desired)
    {
        lock (_gate)
        {
            if (_appliedByUid.TryGetValue(desired.Uid, out var applied) && desired.Sequence <= applied)
            {
                return false;
            }
            if (_latest.TryGetValue(desired.Id, out var current) && current.Uid == desired.Uid && desired.Sequence <= current.Sequence)
            {
                return false;
            }
            _latest[desired.Id] = desired;
        }
        if (desired.Power == DesiredPower.Absent && _stops.TryGetValue(desired.Id, out var stop) && desired.Sequence > stop.Sequence)
        {
            stop.Request();
        }
        return true;
    }

    /// <summary>
    /// A token for a graceful stop of <paramref name="id"/> (applying the desired state <paramref name="sequence"/>) that is
    /// cancelled when a newer desired state deletes the VM, at once if one is already here.
    /// </summary>
    public StopInterrupt InterruptOnDelete(VmId id, long sequence)
    {
        var stop = new StopInterrupt(id, sequence, s => _stops.TryRemove(new KeyValuePair<VmId, StopInterrupt>(s.Id, s)));
        _stops[id] = stop;
        if (Get(id) is { Power: DesiredPower.Absent } latest && latest.Sequence > sequence)
        {
            stop.Request();
        }
        return stop;
    }

    /// <summary>The latest desired state of <paramref name="id"/>, or null.</summary>
    public VmDesired? Get(VmId id) => _latest.TryGetValue(id, out var d) ? d : null;

    /// <summary>Records that <paramref name="desired"/> was applied: older messages for its uid are ignored from now on.</summary>
    public void MarkApplied(VmDesired desired)
    {
        lock (_gate)
        {
            _appliedByUid.AddOrUpdate(desired.Uid, desired.Sequence, (_, old) => Math.Max(old, desired.Sequence));
        }
    }

    /// <summary>The last applied sequence for <paramref name="uid"/>, or null.</summary>
    public long? AppliedSequence(string uid) => _appliedByUid.TryGetValue(uid, out var s) ? s : null;

    /// <summary>Forgets a VM whose pod was removed.</summary>
    public void Forget(VmId id) => _latest.TryRemove(id, out _);

    /// <summary>Every VM with a desired state.</summary>
    public IReadOnlyCollection<VmId> Keys => [.. _latest.Keys];
}
