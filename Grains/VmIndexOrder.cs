using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>The order of the VM index, (namespace, name) compared ordinally, and ranges of it.</summary>
public static class VmIndexOrder
{
    /// <summary>Orders entries by namespace, then name, ordinally.</summary>
    public static readonly IComparer<VmIndexEntry> Comparer = Comparer<VmIndexEntry>.Create(Compare);

    /// <summary>Orders VM ids by namespace, then name, ordinally; the order of pages and continue tokens.</summary>
    public static readonly IComparer<VmId> IdComparer = Comparer<VmId>.Create((a, b) =>
    {
        var byNamespace = string.CompareOrdinal(a.Namespace, b.Namespace);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Name, b.Name);
    });

    /// <summary>
    /// The entries of <paramref name="sorted"/> in <paramref name="namespace"/> (all when null or empty) that sort
    /// strictly after <paramref name="after"/> (from the first when null), in order.
    /// </summary>
    public static IEnumerable<VmIndexEntry> Range(SortedSet<VmIndexEntry> sorted, string? @namespace, VmId? after)
    {
        if (sorted.Count == 0)
        {
            return [];
        }
        var lower = sorted.Min!;
        var upper = sorted.Max!;
        if (!string.IsNullOrEmpty(@namespace))
        {
            // Names are DNS-1123 labels (ASCII), so every entry of the namespace sorts between these two.
            lower = new VmIndexEntry { Namespace = @namespace, Name = "" };
            upper = new VmIndexEntry { Namespace = @namespace, Name = "\uffff" };
        }
        if (after is not { } start)
        {
            return Compare(lower, upper) > 0 ? [] : sorted.GetViewBetween(lower, upper);
        }
        var afterEntry = new VmIndexEntry { Namespace = start.Namespace, Name = start.Name };
        if (Compare(afterEntry, lower) > 0)
        {
            lower = afterEntry;
        }
        return Compare(lower, upper) > 0 ? [] : sorted.GetViewBetween(lower, upper).Where(e => Compare(e, afterEntry) > 0);
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
}
