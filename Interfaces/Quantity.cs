using System.Globalization;

namespace Orvirt.Interfaces;

/// <summary>Kubernetes memory quantities (<c>128Mi</c>, <c>1Gi</c>, <c>500M</c>, <c>1073741824</c>).</summary>
public static class Quantity
{
    private static readonly (string Suffix, long Factor)[] Suffixes =
    [
        ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40), ("Pi", 1L << 50),
        ("k", 1_000L), ("K", 1_000L), ("M", 1_000_000L), ("G", 1_000_000_000L), ("T", 1_000_000_000_000L),
    ];

    /// <summary>Parses a quantity into bytes; false for anything that is not a whole non-negative amount.</summary>
    public static bool TryParseBytes(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 32)
        {
            return false;
        }
        text = text.Trim();
        long factor = 1;
        foreach (var (suffix, f) in Suffixes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = f;
                text = text[..^suffix.Length];
                break;
            }
        }
        if (text.Length == 0 || !text.All(char.IsAsciiDigit))
        {
            return false;
        }
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }
        try
        {
            bytes = checked(n * factor);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>Formats bytes with the largest binary suffix that divides them exactly.</summary>
    public static string FormatBytes(long bytes)
    {
        foreach (var (suffix, f) in new[] { ("Ti", 1L << 40), ("Gi", 1L << 30), ("Mi", 1L << 20), ("Ki", 1L << 10) })
        {
            if (bytes >= f && bytes % f == 0)
            {
                return (bytes / f).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }
        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
