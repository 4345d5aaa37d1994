using System.Collections.Concurrent;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>
/// The agent's view of its node's fence, kept from the answers to register, heartbeat and confirm. No I/O: the
/// <see cref="AgentController"/> acts on the <see cref="FenceStep"/> it returns, and the <see cref="VmReconciler"/>
/// asks it whether a cached desired state still counts.
/// </summary>
/// <remarks>
/// A node missed heartbeats past the grace period (its agent frozen or cut off): the control plane raised its epoch,
/// released its VMs and restarted them elsewhere. Whatever this agent still holds from before is void: a domain of such a
/// VM must be destroyed, never started again, and the node is readmitted only after that. An agent that was frozen does
/// not know it was fenced until an answer says so: it starts nothing unless its node was last seen Ready within the
/// lease (<see cref="MayStart"/>), and the VMs it held back are synced again after the next Ready answer.
/// </remarks>
/// <param name="lease">How long a Ready answer allows starts, counted from when its request was sent (the agent uses three heartbeat intervals, at least 5 s).</param>
public sealed class NodeFence(TimeSpan lease)
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<VmId, byte> _deferred = new();
    private long? _fencedAtEpoch;
    private long _voidBelowEpoch;
    private DateTimeOffset? _readySentAt;

    /// <summary>How long a Ready answer allows starts.</summary>
    public TimeSpan Lease => lease;

    /// <summary>The epoch the node was fenced at (the one to confirm with), or null when it is not fenced.</summary>
    public long? FencedAtEpoch
    {
        get
        {
            lock (_gate)
            {
                return _fencedAtEpoch;
            }
        }
    }

    /// <summary>True while the node is fenced: nothing may be started.</summary>
    public bool IsFenced => FencedAtEpoch is not null;

    /// <summary>Desired states whose <see cref="VmDesired.Epoch"/> is below this belong to a fenced past; 0 until a fence was seen.</summary>
    public long VoidBelowEpoch
    {
        get
        {
            lock (_gate)
            {
                return _voidBelowEpoch;
            }
        }
    }

    /// <summary>
    /// Takes the node as a register, heartbeat or confirm answer shows it and says what to do. A fenced answer voids every
    /// desired state stamped with an older epoch (the fence raised the epoch above all of them), for good: nothing is
    /// ever assigned to this node at the fenced epoch, and after the cleanup new assignments carry the epoch after it.
    /// </summary>
    /// <param name="info">The answer.</param>
    /// <param name="sentAt">When the request that got this answer was sent; a Ready answer allows starts until <see cref="Lease"/> after it.</param>
    public FenceStep Observe(NodeInfo info, DateTimeOffset sentAt)
    {
        lock (_gate)
        {
            if (info.Registered && info.Ready && !info.Fenced && (_readySentAt is null || sentAt > _readySentAt))
            {
                _readySentAt = sentAt;
            }
            if (info.Fenced)
            {
                _fencedAtEpoch = info.Epoch;
                _voidBelowEpoch = Math.Max(_voidBelowEpoch, info.Epoch);
                return FenceStep.CleanUp;
            }
            if (_fencedAtEpoch is not null && info.Registered)
            {
                _fencedAtEpoch = null;
                return FenceStep.Unfenced;
            }
            return FenceStep.None;
        }
    }

    /// <summary>
    /// True when the node was seen Ready, not fenced, in an answer to a request sent within <see cref="Lease"/> before
    /// <paramref name="now"/>: only then may a VM be started, resumed or replaced here.
    /// </summary>
    public bool MayStart(DateTimeOffset now)
    {
        lock (_gate)
        {
            return _fencedAtEpoch is null && _readySentAt is { } sent && now - sent <= lease;
        }
    }

    /// <summary>Records a VM whose start waits for the next Ready answer.</summary>
    public void Defer(VmId id) => _deferred.TryAdd(id, 0);

    /// <summary>The VMs held back since the last call, to be synced again (called after a Ready answer).</summary>
    public IReadOnlyList<VmId> TakeDeferred()
    {
        var taken = new List<VmId>();
        foreach (var id in _deferred.Keys)
        {
            if (_deferred.TryRemove(id, out _))
            {
                taken.Add(id);
            }
        }
        return taken;
    }

    /// <summary>
    /// True when <paramref name="desired"/> must not be made true here: the node is fenced (nothing is assigned to a
    /// fenced node), or it was stamped before the last fence.
    /// </summary>
    public bool IsVoid(VmDesired desired)
    {
        lock (_gate)
        {
            return _fencedAtEpoch is not null || desired.Epoch < _voidBelowEpoch;
        }
    }

    /// <summary>
    /// The VMs this node still holds that <paramref name="assigned"/> does not list: pods on disk and domains in the
    /// cache. The cleanup is complete, and may be confirmed, only when this is empty.
    /// </summary>
    public static IReadOnlyList<VmId> Leftovers(IEnumerable<VmId> assigned, IEnumerable<VmId> podsOnDisk, IEnumerable<VmId> existingDomains)
    {
        var keep = new HashSet<VmId>(assigned);
        return [.. podsOnDisk.Concat(existingDomains).Where(id => !keep.Contains(id)).Distinct().OrderBy(id => id.Key, StringComparer.Ordinal)];
    }
}
