using System.Collections.Immutable;
using System.Text;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>
/// The list of VMs, in (namespace, name) order, filtered by namespace and label selector, in pages. The entries live
/// in <see cref="VmIndexShards.Count"/> shards (<see cref="VmIndexShardGrain"/>) so that a create or delete writes one
/// shard's entries instead of every VM's; this grain routes changes to the VM's shard, merges the shards' answers
/// for a list, and counts VMs per namespace. Reentrant: it holds no state a request changes across an await except
/// the per-namespace counts, which are adjusted after each shard answered.
/// </summary>
/// <remarks>
/// <para>
/// Continue token: the base64 of the UTF-8 key (<c>namespace/name</c>) of the last VM of the page; the next page is
/// every matching VM that sorts strictly after it, in every shard. It does not depend on the number of shards, so
/// paging stays stable while VMs are added or removed (a VM added behind the token is not listed, one added ahead
/// of it is), and tokens from before the index was sharded still work.
/// </para>
/// <para>
/// The counts are loaded from the shards when this grain activates (no request runs during activation) and then
/// follow every change that passes through it, as every change does. A shard call that fails may or may not have
/// been applied, so after one the counts are loaded again at the next <see cref="CountAsync"/>.
/// </para>
/// <para>
/// Entries stored by a version with one unsharded index (this grain's own state) are moved to their shards when it
/// activates, before anything else; a crash during the move only means it is done again.
/// </para>
/// </remarks>
[Reentrant]
public sealed partial class VmIndexGrain : Grain, IVmIndexGrain
{
    private readonly IPersistentState<VmIndexState> _legacy;
    private readonly ILogger<VmIndexGrain> _logger;
    private Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private bool _countsStale;

    /// <summary>Creates the grain; <paramref name="legacy"/> is the state of the unsharded index of earlier versions.</summary>
    public VmIndexGrain([PersistentState("index", OrvirtNames.GrainStorage)] IPersistentState<VmIndexState> legacy, ILogger<VmIndexGrain> logger)
    {
        _legacy = legacy;
        _logger = logger;
    }

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_legacy.State.Entries.Count > 0)
        {
            var entries = _legacy.State.Entries.Values.ToList();
            await Task.WhenAll(entries.GroupBy(e => VmIndexShards.ShardOf(e.Id))
                .Select(g => Shard(g.Key).UpsertManyAsync([.. g])));
            _legacy.State.Entries.Clear();
            await _legacy.WriteStateAsync();
            LogMovedToShards(entries.Count, VmIndexShards.Count);
        }
        _counts = await LoadCountsAsync();
    }

    /// <inheritdoc />
    public async Task UpsertAsync(VmIndexEntry entry)
    {
        bool added;
        try
        {
            added = await Shard(VmIndexShards.ShardOf(entry.Id)).UpsertAsync(entry);
        }
        catch
        {
            _countsStale = true;
            throw;
        }
        if (added)
        {
            _counts[entry.Namespace] = _counts.GetValueOrDefault(entry.Namespace) + 1;
        }
    }

    /// <inheritdoc />
    public async Task RemoveAsync(VmId vm)
    {
        bool removed;
        try
        {
            removed = await Shard(VmIndexShards.ShardOf(vm)).RemoveAsync(vm);
        }
        catch
        {
            _countsStale = true;
            throw;
        }
        if (removed && _counts.TryGetValue(vm.Namespace, out var count))
        {
            if (count <= 1)
            {
                _counts.Remove(vm.Namespace);
            }
            else
            {
                _counts[vm.Namespace] = count - 1;
            }
        }
    }

    /// <inheritdoc />
    public async Task<VmListPage> ListAsync(VmListQuery query)
    {
        if (query.Limit < 0)
        {
            throw new ArgumentException($"limit {query.Limit} is negative; use 0 for all or a page size");
        }
        if (!LabelSelector.TryParse(query.LabelSelector, out _, out var error))
        {
            throw new ArgumentException($"label selector is invalid: {error}");
        }
        var after = string.IsNullOrEmpty(query.Continue) ? (VmId?)null : DecodeContinue(query.Continue);
        var shardQuery = new VmIndexShardQuery { Namespace = query.Namespace, LabelSelector = query.LabelSelector ?? "", After = after };
        if (query.Limit == 0)
        {
            var all = await Task.WhenAll(Enumerable.Range(0, VmIndexShards.Count).Select(i => Shard(i).ListAsync(shardQuery)));
            return new VmListPage { Items = [.. all.SelectMany(p => p).Order(VmIndexOrder.IdComparer)] };
        }
        var items = await CollectPageAsync(shardQuery, query.Limit == int.MaxValue ? int.MaxValue : query.Limit + 1);
        // One VM more than a page tells whether another page follows.
        var more = items.Count > query.Limit;
        if (more)
        {
            items.RemoveRange(query.Limit, items.Count - query.Limit);
        }
        return new VmListPage
        {
            Items = [.. items],
            Continue = more ? EncodeContinue(items[^1]) : "",
        };
    }

    /// <summary>
    /// The first <paramref name="wanted"/> matching VMs of all shards in order. Each round asks every shard for a few
    /// VMs (about twice its share), so that a page does not cost a page from every shard: what is certain after a
    /// round is every VM up to the smallest last VM of the shards that returned as many as asked (those may hold more
    /// behind it); the next round continues from there with a doubled share, until enough are certain or every shard
    /// has answered with all it holds.
    /// </summary>
    private async Task<List<VmId>> CollectPageAsync(VmIndexShardQuery query, int wanted)
    {
        var collected = new List<VmId>(Math.Min(wanted, 1024));
        var share = (int)Math.Min(wanted, (2L * wanted / VmIndexShards.Count) + 4);
        while (true)
        {
            var ask = query with { Limit = share };
            var parts = await Task.WhenAll(Enumerable.Range(0, VmIndexShards.Count).Select(i => Shard(i).ListAsync(ask)));
            VmId? cutoff = null;
            foreach (var part in parts.Where(p => p.Length == share))
            {
                if (cutoff is not { } c || VmIndexOrder.IdComparer.Compare(part[^1], c) < 0)
                {
                    cutoff = part[^1];
                }
            }
            var certain = parts.SelectMany(p => p)
                .Where(id => cutoff is not { } c || VmIndexOrder.IdComparer.Compare(id, c) <= 0)
                .Order(VmIndexOrder.IdComparer);
            collected.AddRange(certain.Take(wanted - collected.Count));
            if (cutoff is null || collected.Count >= wanted)
            {
                return collected;
            }
            // Every shard that may hold more returned VMs up to at least the cutoff, so each round moves past share VMs.
            query = query with { After = cutoff };
            share = (int)Math.Min(wanted, share * 2L);
        }
    }

    /// <inheritdoc />
    public async Task<int> CountAsync(string @namespace)
    {
        if (_countsStale)
        {
            _countsStale = false;
            _counts = await LoadCountsAsync();
        }
        return _counts.GetValueOrDefault(@namespace);
    }

    private async Task<Dictionary<string, int>> LoadCountsAsync()
    {
        var parts = await Task.WhenAll(Enumerable.Range(0, VmIndexShards.Count).Select(i => Shard(i).CountsAsync()));
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (ns, count) in parts.SelectMany(p => p))
        {
            counts[ns] = counts.GetValueOrDefault(ns) + count;
        }
        return counts;
    }

    private IVmIndexShardGrain Shard(long shard) => GrainFactory.GetGrain<IVmIndexShardGrain>(shard);

    private static string EncodeContinue(VmId last) => Convert.ToBase64String(Encoding.UTF8.GetBytes(last.Key));

    private static VmId DecodeContinue(string token)
    {
        try
        {
            return VmId.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)));
        }
        catch (Exception ex) when (ex is FormatException)
        {
            throw new ArgumentException("continue token is not valid; pass the Continue value of the previous page unchanged, or leave it empty for the first page");
        }
    }
}
