using System.Globalization;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.EndToEnd.Tests;

/// <summary>
/// Every pod process the suite's agents started, sampled from the pods folder's pid files (libvirtd, QEMU) and the
/// daemons' parents (tini), so that the end of the suite can prove that none of them is left.
/// </summary>
public sealed class PodProcessLedger : IDisposable
{
    // /proc/PID/comm is cut at 15 characters: qemu-system-x86_64 shows as qemu-system-x86.
    private static readonly string[] PodCommands = ["libvirtd", "tini", "qemu-system-x86"];
    private readonly string _podsDirectory;
    private readonly Dictionary<int, (string Comm, long Started)> _seen = [];
    private readonly Timer _timer;

    /// <summary>Samples <paramref name="podsDirectory"/> now and every 200 ms until disposed.</summary>
    public PodProcessLedger(string podsDirectory)
    {
        _podsDirectory = podsDirectory;
        _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
    }

    /// <summary>Pid and command name of everything recorded.</summary>
    public IReadOnlyDictionary<int, string> Seen
    {
        get
        {
            lock (_seen)
            {
                return _seen.ToDictionary(p => p.Key, p => p.Value.Comm);
            }
        }
    }

    /// <summary>
    /// Recorded processes that still run: same pid, command name and start time (so a reused pid does not count).
    /// With <paramref name="exceptWarmPods"/>, the daemons (and their tini) of the agent's warm pods
    /// (<c>&lt;pods&gt;/.warm/*</c>, started ahead of need and removed when the agent stops) do not count.
    /// </summary>
    public IReadOnlyList<string> StillRunning(bool exceptWarmPods = false)
    {
        KeyValuePair<int, (string Comm, long Started)>[] seen;
        lock (_seen)
        {
            seen = [.. _seen];
        }
        var warm = exceptWarmPods ? WarmPodPids() : [];
        return [.. seen
            .Where(p => !warm.Contains(p.Key))
            .Where(p => ProcessTools.IsRunning(p.Key, p.Value.Comm) && StartTime(p.Key) == p.Value.Started)
            .Select(p => $"{p.Value.Comm} (pid {p.Key})")];
    }

    private HashSet<int> WarmPodPids()
    {
        var pids = new HashSet<int>();
        var warmRoot = Path.Combine(_podsDirectory, ".warm");
        if (!Directory.Exists(warmRoot))
        {
            return pids;
        }
        try
        {
            foreach (var file in Directory.EnumerateFiles(warmRoot, "libvirtd.pid", SearchOption.AllDirectories))
            {
                if (ReadPid(file) is { } pid)
                {
                    pids.Add(pid);
                    if (ParentPid(pid) is { } parent && Command(parent) == "tini")
                    {
                        pids.Add(parent);
                    }
                }
            }
        }
        catch (IOException)
        {
            // A warm pod claimed or removed while we walked: the caller polls.
        }
        return pids;
    }

    /// <summary>Records what runs now (also called by the timer).</summary>
    public void Sample()
    {
        if (!Directory.Exists(_podsDirectory))
        {
            return;
        }
        try
        {
            foreach (var file in Directory.EnumerateFiles(_podsDirectory, "*.pid", SearchOption.AllDirectories))
            {
                if (ReadPid(file) is not { } pid || Command(pid) is not { } comm)
                {
                    continue;
                }
                Record(pid, comm);
                // The pod daemon runs under tini (the pod's init, which reaps QEMU); record it too.
                if (comm == "libvirtd" && ParentPid(pid) is { } parent && Command(parent) == "tini")
                {
                    Record(parent, "tini");
                }
            }
        }
        catch (IOException)
        {
            // A pod folder removed while we walked it: the next sample sees the new state.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Stops sampling.</summary>
    public void Dispose() => _timer.Dispose();

    private void Record(int pid, string comm)
    {
        if (!PodCommands.Contains(comm) || StartTime(pid) is not { } started)
        {
            return;
        }
        lock (_seen)
        {
            _seen[pid] = (comm, started);
        }
    }

    private static int? ReadPid(string file)
    {
        try
        {
            return int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && pid > 1 ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int? ParentPid(int pid) => StatField(pid, 1) is { } ppid ? (int)ppid : null;

    private static long? StartTime(int pid) => StatField(pid, 19);

    /// <summary>A numeric field of /proc/PID/stat counted from the state field (0 = state, 1 = ppid, 19 = starttime).</summary>
    private static long? StatField(int pid, int index)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > index && long.TryParse(fields[index], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
