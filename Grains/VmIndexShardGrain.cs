using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>
/// One shard of the VM index: the entries of the VMs whose key hashes to it (<see cref="VmIndexShards.ShardOf"/>), kept
/// sorted by (namespace, name). Reentrant, and its writes go through a <see cref="CoalescingStateWriter"/>: changes
/// arriving while a write is under way are stored together by the next write (each request changes memory before its
/// first await, and returns once a write that includes its change is stored).
/// </summary>
/// <remarks>
/// A create writes the index entry before the VM's state, so a silo that dies between the two leaves an entry without
/// a VM. After each activation the shard asks the VM of every entry it loaded to check itself
/// (<see cref="IVirtualMachineGrain.ReconcileIndexEntryAsync"/>), and those that do not exist remove their entries
/// through the index, so that List, paging and the per-namespace count converge on the VMs that exist.
/// </remarks>
[Reentrant]
public sealed partial class VmIndexShardGrain : Grain, IVmIndexShardGrain
{
    /// <summary>How many VMs the check after activation asks at once.</summary>
    private const int CheckBatchSize = 64;
    private readonly IPersistentState<VmIndexState> _state;
    private readonly CoalescingStateWriter _writer;
    private readonly ILogger<VmIndexShardGrain> _logger;
    private SortedSet<VmIndexEntry>? _sorted;
    private IGrainTimer? _entryCheck;

    /// <summary>Creates the grain with its persisted state.</summary>
    public VmIndexShardGrain([PersistentState("index-shard", OrvirtNames.GrainStorage)] IPersistentState<VmIndexState> state, ILogger<VmIndexShardGrain> logger)
    {
        _state = state;
        _writer = new CoalescingStateWriter(() => state.WriteStateAsync());
        _logger = logger;
    }

    private SortedSet<VmIndexEntry> Sorted => _sorted ??= new SortedSet<VmIndexEntry>(_state.State.Entries.Values, VmIndexOrder.Comparer);

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_state.State.Entries.Count > 0)
        {
            // Once, right away, interleaving: the VMs it asks call back (through the index) while it waits for them.
            _entryCheck = this.RegisterGrainTimer(CheckEntriesAsync, new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.Zero,
                Period = Timeout.InfiniteTimeSpan,
                Interleave = true,
                KeepAlive = true,
            });
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<bool> UpsertAsync(VmIndexEntry entry)
    {
        var added = Put(entry);
        await _writer.WriteAsync();
        return added;
    }

    /// <inheritdoc />
    public async Task UpsertManyAsync(ImmutableArray<VmIndexEntry> entries)
    {
        foreach (var entry in entries)
        {
            Put(entry);
        }
        await _writer.WriteAsync();
    }

    /// <inheritdoc />
    public async Task<bool> RemoveAsync(VmId vm)
    {
        if (!_state.State.Entries.Remove(vm.Key, out var existing))
        {
            return false;
        }
        Sorted.Remove(existing);
        await _writer.WriteAsync();
        return true;
    }

    /// <inheritdoc />
    public Task<ImmutableArray<VmId>> ListAsync(VmIndexShardQuery query)
    {
        if (!LabelSelector.TryParse(query.LabelSelector, out var selector, out var error))
        {
            throw new ArgumentException($"label selector is invalid: {error}");
        }
        var items = ImmutableArray.CreateBuilder<VmId>();
        foreach (var entry in VmIndexOrder.Range(Sorted, query.Namespace, query.After))
        {
            if (query.Limit > 0 && items.Count == query.Limit)
            {
                break;
            }
            if (selector.Matches(entry.Labels))
            {
                items.Add(entry.Id);
            }
        }
        return Task.FromResult(items.ToImmutable());
    }

    /// <inheritdoc />
    public Task<ImmutableDictionary<string, int>> CountsAsync() =>
        Task.FromResult(_state.State.Entries.Values.GroupBy(e => e.Namespace, StringComparer.Ordinal)
            .ToImmutableDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));

    private bool Put(VmIndexEntry entry)
    {
        var existed = _state.State.Entries.TryGetValue(entry.Id.Key, out var existing);
        if (existed)
        {
            Sorted.Remove(existing!);
        }
        _state.State.Entries[entry.Id.Key] = entry;
        Sorted.Add(entry);
        return !existed;
    }

    /// <summary>Asks the VM of every entry loaded at activation to check itself, <see cref="CheckBatchSize"/> at a time.</summary>
    private async Task CheckEntriesAsync(CancellationToken cancellationToken)
    {
        // The timer is one-shot; it is disposed at the end, since disposing it cancels this callback's token.
        var keys = _state.State.Entries.Keys.ToList();
        var missing = 0;
        var failed = 0;
        foreach (var batch in keys.Chunk(CheckBatchSize))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            var exists = await Task.WhenAll(batch.Select(async key =>
            {
                try
                {
                    return await GrainFactory.GetGrain<IVirtualMachineGrain>(key).ReconcileIndexEntryAsync();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One VM that cannot be reached must not stop the check of the others; it is checked after the next activation.
                    var id = VmId.Parse(key);
                    LogEntryCheckFailed(id.Namespace, id.Name, ex);
                    Interlocked.Increment(ref failed);
                    return true;
                }
            }));
            missing += exists.Count(e => !e);
        }
        LogEntriesChecked(this.GetPrimaryKeyLong(), keys.Count, missing, failed);
        _entryCheck?.Dispose();
        _entryCheck = null;
    }
}
