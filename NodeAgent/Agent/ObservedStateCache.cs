using System.Collections.Concurrent;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>The observed state of every VM on this node, fed by lifecycle events, adoption and the agent's own actions; never by polling in the sync loop.</summary>
public sealed class ObservedStateCache
{
    private readonly ConcurrentDictionary<VmId, ObservedDomain> _entries = new();

    /// <summary>Raised after an entry changed (on the thread that changed it).</summary>
    public event Action<VmId>? Changed;

    /// <summary>The VMs with an entry.</summary>
    public IReadOnlyCollection<VmId> Keys => [.. _entries.Keys];

    /// <summary>The entry for <paramref name="id"/>, or <see cref="ObservedDomain.Absent"/>.</summary>
    public ObservedDomain Get(VmId id) => _entries.TryGetValue(id, out var o) ? o : ObservedDomain.Absent;

    /// <summary>Replaces the entry and raises <see cref="Changed"/> when it differs.</summary>
    public void Set(VmId id, ObservedDomain observed)
    {
        var previous = Get(id);
        if (observed.State == DomainState.Absent)
        {
            _entries.TryRemove(id, out _);
        }
        else
        {
            _entries[id] = observed;
        }
        if (previous != observed)
        {
            Changed?.Invoke(id);
        }
    }

    /// <summary>Changes state and reason, keeping the run and metadata.</summary>
    public void Update(VmId id, DomainState state, string reason, string message = "")
    {
        var current = Get(id);
        Set(id, state == DomainState.Absent ? ObservedDomain.Absent : current with { State = state, Reason = reason, Message = message });
    }
}
