using System.Globalization;

namespace Orvirt.Client.Output;

/// <summary>Byte counts for display.</summary>
public static class Quantities
{
    /// <summary>Bytes with the largest binary suffix that divides them exactly (<c>128Mi</c>), else plain bytes.</summary>
    public static string FormatBytes(long bytes)
    {
        foreach (var (suffix, factor) in new[] { ("Ti", 1L << 40), ("Gi", 1L << 30), ("Mi", 1L << 20), ("Ki", 1L << 10) })
        {
            if (bytes >= factor && bytes % factor == 0)
            {
                return (bytes / factor).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }
        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
