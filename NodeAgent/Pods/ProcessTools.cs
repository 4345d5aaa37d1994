using System.Globalization;

namespace Orvirt.NodeAgent.Pods;

/// <summary>Small helpers over /proc and signals, always by pid.</summary>
public static partial class ProcessTools
{
    /// <summary>True when <paramref name="pid"/> exists, is not a zombie, and (when given) its command name is <paramref name="comm"/>.</summary>
    public static bool IsRunning(int pid, string? comm)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Format: pid (comm) state ...; comm may contain spaces or ')', so split at the last ')'.
            var close = stat.LastIndexOf(')');
            var open = stat.IndexOf('(');
            if (close < 0 || open < 0 || close + 2 >= stat.Length)
            {
                return false;
            }
            var state = stat[close + 2];
            if (state is 'Z' or 'X')
            {
                return false;
            }
            return comm is null || stat[(open + 1)..close] == comm;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Pids whose command line contains <paramref name="fragment"/>.</summary>
    public static IReadOnlyList<int> FindByCommandLine(string fragment)
    {
        var result = new List<int>();
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                var cmd = File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' ');
                if (cmd.Contains(fragment, StringComparison.Ordinal) && IsRunning(pid, null))
                {
                    result.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return result;
    }

    /// <summary>SIGTERM, wait up to <paramref name="grace"/>, then SIGKILL. Returns once the pid is gone (or a zombie).</summary>
    public static async Task TerminateAsync(int pid, TimeSpan grace, CancellationToken ct)
    {
        if (!IsRunning(pid, null))
        {
            return;
        }
        Signal(pid, 15);
        var deadline = DateTime.UtcNow + grace;
        while (IsRunning(pid, null) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }
        if (IsRunning(pid, null))
        {
            Signal(pid, 9);
            var killDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (IsRunning(pid, null) && DateTime.UtcNow < killDeadline)
            {
                await Task.Delay(20, ct);
            }
        }
    }

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; a missing process is not an error.</summary>
    public static void Signal(int pid, int signal) => _ = Native.kill(pid, signal);

    private static partial class Native
    {
        [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
        public static partial int kill(int pid, int sig);
    }
}
