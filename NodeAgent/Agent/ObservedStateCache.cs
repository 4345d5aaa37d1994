using System.Collections.Concurrent;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>The observed state of every VM on this node, fed by lifecycle events, adoption and the agent's own actions; never by polling in the sync loop.</summary>
public sealed class ObservedStateCache
{
    private readonly ConcurrentDictionary<VmId, ObservedDomain> _entries = new();

    /// <summary>The VMs with an entry.</summary>
    public IReadOnlyCollection<VmId> Keys => [.. _entries.Keys];

    /// <summary>The entry for <paramref name="id"/>, or <see cref="ObservedDomain.Absent"/>.</summary>
    public ObservedDomain Get(VmId id) => _entries.TryGetValue(id, out var o) ? o : ObservedDomain.Absent;

    /// <summary>Replaces the entry; an <see cref="DomainState.Absent"/> observation removes it.</summary>
    public void Set(VmId id, ObservedDomain observed)
    {
        if (observed.State == DomainState.Absent)
        {
            _entries.TryRemove(id, out _);
        }
        else
        {
            _entries[id] = observed;
        }
    }

    /// <summary>Changes state and reason, keeping the run and metadata.</summary>
    public void Update(VmId id, DomainState state, string reason, string message = "")
    {
        var current = Get(id);
        Set(id, state == DomainState.Absent ? ObservedDomain.Absent : current with { State = state, Reason = reason, Message = message });
    }
}
