namespace Orvirt.Client.Output;

/// <summary>Left-aligned columns separated by three spaces, like kubectl.</summary>
public sealed class TableWriter
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    /// <summary>Starts a table with these column headers.</summary>
    public TableWriter(params string[] headers) => _headers = headers;

    /// <summary>Adds a row; it must have one cell per header.</summary>
    public void Add(params string[] cells)
    {
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"a row needs {_headers.Length} cells, got {cells.Length}", nameof(cells));
        }
        _rows.Add(cells);
    }

    /// <summary>Writes the header and the rows.</summary>
    public void Write(TextWriter output)
    {
        var widths = _headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        WriteRow(output, _headers, widths);
        foreach (var row in _rows)
        {
            WriteRow(output, row, widths);
        }
    }

    /// <summary>Formats one row with fixed widths (for streamed rows after a header).</summary>
    public static string FormatRow(IReadOnlyList<string> cells, IReadOnlyList<int> widths)
    {
        var parts = cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]));
        return string.Join("   ", parts).TrimEnd();
    }

    private static void WriteRow(TextWriter output, string[] cells, int[] widths) => output.WriteLine(FormatRow(cells, widths));
}
