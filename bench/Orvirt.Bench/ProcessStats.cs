using System.Globalization;

namespace Orvirt.Bench;

/// <summary>Memory and CPU time of a process from /proc.</summary>
public static class ProcessStats
{
    /// <summary>Resident set size in KiB (VmRSS).</summary>
    public static long RssKiB(int pid) => StatusField(pid, "VmRSS:");

    /// <summary>User + system CPU time in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: state is field 3; utime and stime are fields 14 and 15 (1-based), i.e. index 11 and 12 here.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux.
    }

    private static long StatusField(int pid, string name)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
