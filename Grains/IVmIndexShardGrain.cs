using System.Collections.Immutable;
using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>
/// One shard of the VM index (<see cref="VmIndexShards"/>); only <see cref="VmIndexGrain"/> calls it. Integer key 0 to
/// <see cref="VmIndexShards.Count"/> - 1.
/// </summary>
[Alias("orvirt.IVmIndexShardGrain")]
public interface IVmIndexShardGrain : IGrainWithIntegerKey
{
    /// <summary>Adds or updates a VM's entry; true when the VM had no entry before.</summary>
    [Alias("Upsert")]
    Task<bool> UpsertAsync(VmIndexEntry entry);

    /// <summary>Adds or updates many entries with one write (moving entries stored by an older version).</summary>
    [Alias("UpsertMany")]
    Task UpsertManyAsync(ImmutableArray<VmIndexEntry> entries);

    /// <summary>Removes a VM's entry; true when it had one.</summary>
    [Alias("Remove")]
    Task<bool> RemoveAsync(VmId vm);

    /// <summary>This shard's matching VMs in (namespace, name) order.</summary>
    [Alias("List")]
    Task<ImmutableArray<VmId>> ListAsync(VmIndexShardQuery query);

    /// <summary>How many entries this shard holds per namespace.</summary>
    [Alias("Counts")]
    Task<ImmutableDictionary<string, int>> CountsAsync();
}
