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
/// VM must be destroyed, never started again, and the node is readmitted only after that.
/// </remarks>
public sealed class NodeFence
{
    private readonly Lock _gate = new();
    private long? _fencedAtEpoch;
    private long _voidBelowEpoch;

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
    public FenceStep Observe(NodeInfo info)
    {
        lock (_gate)
        {
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
