using System.Collections.Immutable;
using System.Text;
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
[Reentrant]
public sealed class VmIndexGrain : Grain, IVmIndexGrain
{
    private static readonly Comparer<VmIndexEntry> Order = Comparer<VmIndexEntry>.Create(Compare);
    private readonly IPersistentState<VmIndexState> _state;
    private readonly CoalescingStateWriter _writer;
    private SortedSet<VmIndexEntry>? _sorted;

    /// <summary>Creates the grain with its persisted state.</summary>
    public VmIndexGrain([PersistentState("index", OrvirtNames.GrainStorage)] IPersistentState<VmIndexState> state)
    {
        _state = state;
        _writer = new CoalescingStateWriter(() => state.WriteStateAsync());
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
