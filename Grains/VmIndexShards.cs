using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>
/// Where a VM's index entry lives: the index is split into <see cref="Count"/> shards (<see cref="IVmIndexShardGrain"/>,
/// integer keys 0 to Count - 1) by a stable hash of the VM's key, so that a create or delete writes one shard's
/// entries (about 1/Count of all VMs) instead of every VM's entry.
/// </summary>
public static class VmIndexShards
{
    /// <summary>
    /// How many shards the index has. Stored entries are found by this number: changing it strands the entries of
    /// the shards that move (they come back only when their VMs are written again), so it is a constant, not an option.
    /// </summary>
    public const int Count = 256;

    /// <summary>The shard that holds <paramref name="vm"/>'s entry: FNV-1a over the UTF-16 code units of <c>namespace/name</c>, modulo <see cref="Count"/>.</summary>
    public static long ShardOf(VmId vm)
    {
        var hash = 2166136261u;
        foreach (var c in vm.Key)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash % Count;
    }
}
