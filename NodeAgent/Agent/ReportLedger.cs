using System.Collections.Concurrent;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>
/// The last observation per VM that its grain accepted, and when. A periodic resync skips a VM whose observation
/// would be the same as the accepted one until <c>refreshInterval</c> has passed since it was accepted; each VM's
/// interval is shortened by up to a quarter (fixed per VM), so that VMs reported together are not all due together.
/// </summary>
public sealed class ReportLedger
{
    private readonly ConcurrentDictionary<VmId, (VmObserved Observed, DateTimeOffset At)> _accepted = new();

    /// <summary>Records that the grain accepted <paramref name="observed"/> at <paramref name="at"/>.</summary>
    public void Accepted(VmObserved observed, DateTimeOffset at) => _accepted[observed.Id] = (Normalize(observed), at);

    /// <summary>Forgets what was accepted for <paramref name="id"/>: its next resync reports it again.</summary>
    public void Forget(VmId id) => _accepted.TryRemove(id, out _);

    /// <summary>
    /// True when <paramref name="wouldReport"/> equals (except its time) the last observation the grain accepted for
    /// its VM and that acceptance is younger than the VM's share of <paramref name="refreshInterval"/>.
    /// </summary>
    public bool IsCurrent(VmObserved wouldReport, DateTimeOffset now, TimeSpan refreshInterval)
    {
        if (!_accepted.TryGetValue(wouldReport.Id, out var last) || last.Observed != Normalize(wouldReport))
        {
            return false;
        }
        return now - last.At < refreshInterval - Stagger(wouldReport.Id, refreshInterval);
    }

    /// <summary>How much earlier than <paramref name="refreshInterval"/> the VM is due: 0 to a quarter of it, fixed per VM.</summary>
    public static TimeSpan Stagger(VmId id, TimeSpan refreshInterval)
    {
        var hash = (uint)StringComparer.Ordinal.GetHashCode(id.Namespace + "/" + id.Name);
        return refreshInterval / 4 * (hash / (double)uint.MaxValue);
    }

    private static VmObserved Normalize(VmObserved observed) => observed with { ObservedAt = default };
}
