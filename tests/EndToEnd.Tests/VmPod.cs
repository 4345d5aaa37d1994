using System.Globalization;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Domain;
using Orvirt.NodeAgent.Pods;
using Orvirt.Testing;

namespace Orvirt.EndToEnd.Tests;

/// <summary>
/// A VM's process pod as an operator on the host sees it: its folder below the agent's pods folder, the pid files of
/// its libvirtd and QEMU, and <c>virsh</c> against its private daemon.
/// </summary>
public sealed class VmPod(string podsDirectory, string ns, string name)
{
    /// <summary>The pod folder: <c>&lt;pods&gt;/&lt;12 hex of sha256(namespace/name)&gt;</c>.</summary>
    public string Directory { get; } = Path.Combine(podsDirectory, DomainNames.PodId(new VmId(ns, name)));

    /// <summary>The libvirt domain name, <c>namespace_name</c>.</summary>
    public string DomainName { get; } = DomainNames.DomainName(new VmId(ns, name));

    /// <summary>The URI that reaches the pod's own libvirtd.</summary>
    public string ConnectionUri => $"qemu+unix:///system?socket={Directory}/sock/libvirt-sock";

    /// <summary>True while the pod folder exists.</summary>
    public bool Exists => System.IO.Directory.Exists(Directory);

    /// <summary>The pid in <c>libvirtd.pid</c> when that process runs as libvirtd, else null.</summary>
    public int? DaemonPid() => ReadPid(Path.Combine(Directory, "libvirtd.pid"), "libvirtd");

    /// <summary>The pid in <c>run/qemu/&lt;domain&gt;.pid</c> when that process runs, else null.</summary>
    public int? QemuPid() => ReadPid(Path.Combine(Directory, "run", "qemu", DomainName + ".pid"), null);

    /// <summary>The QEMU pid, or a failure that says what the pod folder holds.</summary>
    public int RequireQemuPid() =>
        QemuPid() ?? throw new Xunit.Sdk.XunitException($"no running QEMU for {DomainName} in {Directory} (files: {Describe()})");

    /// <summary>The pod daemon's pid, or a failure that says what the pod folder holds.</summary>
    public int RequireDaemonPid() =>
        DaemonPid() ?? throw new Xunit.Sdk.XunitException($"no running libvirtd for pod {Directory} (files: {Describe()})");

    /// <summary><c>virsh -c URI ARGS</c> against the pod's daemon.</summary>
    public Task<CliResult> VirshAsync(params string[] args) => HostProcess.RunAsync("virsh", ["-c", ConnectionUri, .. args]);

    /// <summary>The state column of this domain in <c>virsh list --all</c> (e.g. <c>running</c>, <c>paused</c>, <c>shut off</c>), or null when not listed.</summary>
    public async Task<string?> VirshListStateAsync()
    {
        var list = await VirshAsync("list", "--all");
        if (list.ExitCode != 0)
        {
            throw new InvalidOperationException($"virsh list failed:\n{list}");
        }
        foreach (var line in list.Stdout.Split('\n'))
        {
            var cells = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (cells.Length == 3 && cells[1] == DomainName)
            {
                return cells[2];
            }
        }
        return null;
    }

    /// <summary>True when <paramref name="pid"/> still runs (not gone, not a zombie).</summary>
    public static bool IsRunning(int pid) => ProcessTools.IsRunning(pid, null);

    private string Describe() =>
        System.IO.Directory.Exists(Directory)
            ? string.Join(", ", System.IO.Directory.EnumerateFiles(Directory, "*.pid", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Directory, f)))
            : "the folder does not exist";

    private static int? ReadPid(string file, string? comm)
    {
        try
        {
            return int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && ProcessTools.IsRunning(pid, comm)
                ? pid
                : null;
        }
        catch (IOException)
        {
            // No pid file (yet, or any more).
            return null;
        }
    }
}
