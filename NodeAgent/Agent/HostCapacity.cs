using System.Globalization;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>The node's capacity: configured values, else the host's CPU count and MemTotal from /proc/meminfo.</summary>
public static class HostCapacity
{
    /// <summary>What VMs may use on this node.</summary>
    public static NodeResources Read(AgentOptions options, string meminfoPath = "/proc/meminfo") => new()
    {
        Vcpus = options.Vcpus > 0 ? options.Vcpus : Environment.ProcessorCount,
        MemoryBytes = options.MemoryBytes > 0 ? options.MemoryBytes : MemTotal(meminfoPath),
    };

    /// <summary>MemTotal in bytes, or 0 when the file cannot be read.</summary>
    public static long MemTotal(string meminfoPath)
    {
        try
        {
            foreach (var line in File.ReadLines(meminfoPath))
            {
                // "MemTotal:       24684544 kB"
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    var parts = line["MemTotal:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
