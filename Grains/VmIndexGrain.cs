using System.Collections.Immutable;
using System.Text;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>
/// The list of VMs, in (namespace, name) order, filtered by namespace and label selector, in pages. Every VM create
/// and delete passes through this one grain and its state holds every entry, so it is reentrant and its writes go
/// through a <see cref="CoalescingStateWriter"/>: upserts arriving while a write is under way are stored together by
/// the next write instead of one full-state write each (each request changes memory before its first await, and
/// returns once a write that includes its change is stored).
/// </summary>
/// <remarks>
/// A create writes the index entry before the VM's state, so a silo that dies between the two leaves an entry without a VM.
/// After each activation (the first use, or after the silo that held the index died) the index asks the VM of every entry it
/// loaded to check itself (<see cref="IVirtualMachineGrain.ReconcileIndexEntryAsync"/>), and those that do not exist remove
/// their entries, so that List, paging and the per-namespace count converge on the VMs that exist.
/// </remarks>
[Reentrant]
public sealed partial class VmIndexGrain : Grain, IVmIndexGrain
{
    /// <summary>How many VMs the check after activation asks at once.</summary>
    private const int CheckBatchSize = 64;
    private static readonly Comparer<VmIndexEntry> Order = Comparer<VmIndexEntry>.Create(Compare);
    private readonly IPersistentState<VmIndexState> _state;
    private readonly CoalescingStateWriter _writer;
    private readonly ILogger<VmIndexGrain> _logger;
    private SortedSet<VmIndexEntry>? _sorted;
    private IGrainTimer? _entryCheck;

    /// <summary>Creates the grain with its persisted state.</summary>
    public VmIndexGrain([PersistentState("index", OrvirtNames.GrainStorage)] IPersistentState<VmIndexState> state, ILogger<VmIndexGrain> logger)
    {
        _state = state;
        _writer = new CoalescingStateWriter(() => state.WriteStateAsync());
        _logger = logger;
    }

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_state.State.Entries.Count > 0)
        {
            // Once, right away, interleaving: the VMs it asks call back (RemoveAsync) while it waits for them.
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

    private SortedSet<VmIndexEntry> Sorted => _sorted ??= new SortedSet<VmIndexEntry>(_state.State.Entries.Values, Order);

    /// <inheritdoc />
    public async Task UpsertAsync(VmIndexEntry entry)
    {
        if (_state.State.Entries.TryGetValue(entry.Id.Key, out var existing))
        {
            Sorted.Remove(existing);
        }
        _state.State.Entries[entry.Id.Key] = entry;
        Sorted.Add(entry);
        await _writer.WriteAsync();
    }

    /// <inheritdoc />
    public async Task RemoveAsync(VmId vm)
    {
        if (_state.State.Entries.Remove(vm.Key, out var existing))
        {
            Sorted.Remove(existing);
            await _writer.WriteAsync();
        }
    }

    /// <inheritdoc />
    public Task<VmListPage> ListAsync(VmListQuery query)
    {
        if (query.Limit < 0)
        {
            throw new ArgumentException($"limit {query.Limit} is negative; use 0 for all or a page size");
        }
        if (!LabelSelector.TryParse(query.LabelSelector, out var selector, out var error))
        {
            throw new ArgumentException($"label selector is invalid: {error}");
        }
        IEnumerable<VmIndexEntry> entries = Sorted;
        if (!string.IsNullOrEmpty(query.Continue))
        {
            var after = DecodeContinue(query.Continue);
            entries = Sorted.Max is { } max && Compare(after, max) < 0
                ? Sorted.GetViewBetween(after, max).Where(e => Compare(e, after) > 0)
                : [];
        }
        if (!string.IsNullOrEmpty(query.Namespace))
        {
            entries = entries.Where(e => e.Namespace == query.Namespace);
        }
        var items = ImmutableArray.CreateBuilder<VmId>();
        VmIndexEntry? last = null;
        var more = false;
        foreach (var entry in entries.Where(e => selector.Matches(e.Labels)))
        {
            if (query.Limit > 0 && items.Count == query.Limit)
            {
                more = true;
                break;
            }
            items.Add(entry.Id);
            last = entry;
        }
        return Task.FromResult(new VmListPage
        {
            Items = items.ToImmutable(),
            Continue = more && last is not null ? EncodeContinue(last) : "",
        });
    }

    /// <inheritdoc />
    public Task<int> CountAsync(string @namespace)
    {
        // Names are DNS-1123 labels (ASCII), so every entry of the namespace sorts between these two.
        var first = new VmIndexEntry { Namespace = @namespace, Name = "" };
        var last = new VmIndexEntry { Namespace = @namespace, Name = "\uffff" };
        return Task.FromResult(Sorted.GetViewBetween(first, last).Count);
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
        LogEntriesChecked(keys.Count, missing, failed);
        _entryCheck?.Dispose();
        _entryCheck = null;
    }

    private static int Compare(VmIndexEntry? a, VmIndexEntry? b)
    {
        if (a is null || b is null)
        {
            return a is null ? (b is null ? 0 : -1) : 1;
        }
        var byNamespace = string.CompareOrdinal(a.Namespace, b.Namespace);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Name, b.Name);
    }

    private static string EncodeContinue(VmIndexEntry last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(last.Id.Key));

    private static VmIndexEntry DecodeContinue(string token)
    {
        try
        {
            var id = VmId.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)));
            return new VmIndexEntry { Namespace = id.Namespace, Name = id.Name };
        }
        catch (Exception ex) when (ex is FormatException)
        {
            throw new ArgumentException("continue token is not valid; pass the Continue value of the previous page unchanged, or leave it empty for the first page");
        }
    }
}
