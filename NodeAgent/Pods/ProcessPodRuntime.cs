using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Domain;
using Orvirt.NodeAgent.Libvirt;

namespace Orvirt.NodeAgent.Pods;

/// <summary>
/// One private root <c>libvirtd</c> per VM in its own mount namespace: the pod folder's subfolders are bind-mounted
/// over libvirt's system paths, the daemon listens on <c>&lt;pod&gt;/sock/libvirt-sock</c> and runs under
/// <c>tini -s</c> so that QEMU is reaped at once. The host's own /run/libvirt is never used.
/// </summary>
public sealed partial class ProcessPodRuntime : IPodRuntime
{
    private const int MaxSocketPathBytes = 107;
    private static readonly (string Sub, string Target)[] Mounts =
    [
        ("run", "/run/libvirt"),
        ("lib", "/var/lib/libvirt"),
        ("log", "/var/log/libvirt"),
        ("cache", "/var/cache/libvirt"),
        ("etc", "/etc/libvirt"),
    ];

    private readonly string _root;
    private readonly TimeSpan _startTimeout;
    private readonly ILogger _logger;
    private readonly Lock _templateGate = new();

    /// <summary>
    /// Pods live in <paramref name="podsDirectory"/>; keep it short (socket paths are limited to 108 bytes).
    /// <paramref name="warmPods"/> pods are kept started ahead of need once <see cref="StartWarmPool"/> is called.
    /// </summary>
    public ProcessPodRuntime(string podsDirectory, HypervisorKind hypervisor, TimeSpan startTimeout, ILogger<ProcessPodRuntime> logger, int warmPods = 0)
    {
        _root = Path.GetFullPath(podsDirectory);
        Hypervisor = hypervisor;
        _startTimeout = startTimeout;
        _logger = logger;
        ArgumentOutOfRangeException.ThrowIfNegative(warmPods);
        WarmPodTarget = warmPods;
        var longest = Encoding.UTF8.GetByteCount(SocketPath(new string('x', 32)));
        if (longest > MaxSocketPathBytes)
        {
            throw new ArgumentException($"pods directory '{_root}' is too long: pod sockets would be {longest} bytes, above the unix socket limit of {MaxSocketPathBytes}; use a short folder such as /var/lib/orvirt/pods", nameof(podsDirectory));
        }
    }

    /// <inheritdoc />
    public string Kind => "process";

    /// <inheritdoc />
    public HypervisorKind Hypervisor { get; }

    private string TemplateDirectory => Path.Combine(_root, ".template", "capabilities");

    /// <inheritdoc />
    public string ConnectionUri(string podId) => "qemu+unix:///system?socket=" + SocketPath(PodIds.Check(podId));

    /// <inheritdoc />
    public string PodDirectory(string podId) => Path.Combine(_root, PodIds.Check(podId));

    /// <summary>The pid of the pod's libvirtd, or null when it does not run.</summary>
    public int? DaemonPid(string podId) => DaemonPidIn(PodDirectory(podId));

    private static int? DaemonPidIn(string dir)
    {
        var pidFile = Path.Combine(dir, "libvirtd.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }
        return ProcessTools.IsRunning(pid, "libvirtd") ? pid : null;
    }

    /// <summary>The pid of the QEMU process of <paramref name="domainName"/> in the pod, or null.</summary>
    public int? QemuPid(string podId, string domainName)
    {
        var pidFile = Path.Combine(PodDirectory(podId), "run", "qemu", domainName + ".pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }
        return ProcessTools.IsRunning(pid, null) ? pid : null;
    }

    /// <inheritdoc />
    public bool IsAlive(string podId) => DaemonPid(podId) is not null;

    /// <inheritdoc />
    public async Task EnsurePodAsync(string podId, CancellationToken ct)
    {
        if (IsAlive(podId))
        {
            return;
        }
        var dir = PodDirectory(podId);
        if (!Directory.Exists(dir) && TryClaimWarmPod(podId, dir))
        {
            return;
        }
        await CreateAndStartAsync(podId, dir, ct);
    }

    private async Task CreateAndStartAsync(string label, string dir, CancellationToken ct)
    {
        foreach (var (sub, _) in Mounts)
        {
            Directory.CreateDirectory(Path.Combine(dir, sub));
        }
        Directory.CreateDirectory(Path.Combine(dir, "sock"));
        WriteConfig(dir);
        SeedCapabilities(dir);
        await StartDaemonAsync(label, dir, ct);
        SaveTemplate(dir);
    }

    /// <inheritdoc />
    public async Task RestartDaemonAsync(string podId, CancellationToken ct)
    {
        if (DaemonPid(podId) is { } pid)
        {
            await ProcessTools.TerminateAsync(pid, TimeSpan.FromSeconds(5), ct);
        }
        await EnsurePodAsync(podId, ct);
    }

    /// <inheritdoc />
    public async Task RemovePodAsync(string podId, CancellationToken ct)
    {
        var dir = PodDirectory(podId);
        if (DaemonPid(podId) is { } pid)
        {
            await ProcessTools.TerminateAsync(pid, TimeSpan.FromSeconds(5), ct);
        }
        // QEMU outlives its daemon by design; a removed pod must not leave one behind.
        foreach (var qemu in ProcessTools.FindByCommandLine(dir + "/"))
        {
            await ProcessTools.TerminateAsync(qemu, TimeSpan.FromSeconds(5), ct);
        }
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListPods() =>
        Directory.Exists(_root)
            ? [.. Directory.EnumerateDirectories(_root).Select(Path.GetFileName).OfType<string>().Where(PodIds.IsValid).Where(id => File.Exists(Path.Combine(_root, id, "etc", "libvirtd.conf"))).Order(StringComparer.Ordinal)]
            : [];

    private string SocketPath(string podId) => SocketPathIn(Path.Combine(_root, podId));

    private static string SocketPathIn(string dir) => Path.Combine(dir, "sock", "libvirt-sock");

    private static void WriteConfig(string dir)
    {
        // Values are our own paths (hex pod ids under a configured root); quote characters are refused up front.
        if (dir.Contains('"') || dir.Contains('\\') || dir.Contains('\n'))
        {
            throw new PodRuntimeException($"pod folder '{dir}' contains a quote, backslash or newline; choose a plain pods directory");
        }
        File.WriteAllText(Path.Combine(dir, "etc", "libvirtd.conf"),
            $"unix_sock_dir = \"{dir}/sock\"\nunix_sock_group = \"root\"\nunix_sock_rw_perms = \"0700\"\nauth_unix_rw = \"none\"\nlisten_tls = 0\nlisten_tcp = 0\n");
        File.WriteAllText(Path.Combine(dir, "etc", "qemu.conf"),
            "stdio_handler = \"file\"\nsecurity_driver = \"none\"\nuser = \"root\"\ngroup = \"root\"\ndynamic_ownership = 0\nremember_owner = 0\n");
        var script = new StringBuilder("set -e\n");
        foreach (var (sub, target) in Mounts)
        {
            script.Append(CultureInfo.InvariantCulture, $"mkdir -p '{target}'\nmount --bind '{dir}/{sub}' '{target}'\n");
        }
        script.Append(CultureInfo.InvariantCulture, $"exec tini -s -- libvirtd -p '{dir}/libvirtd.pid' >>'{dir}/daemon.log' 2>&1\n");
        File.WriteAllText(Path.Combine(dir, "launch.sh"), script.ToString());
    }

    private void SeedCapabilities(string dir)
    {
        var target = Path.Combine(dir, "cache", "qemu", "capabilities");
        if (!Directory.Exists(TemplateDirectory) || Directory.Exists(target) && Directory.EnumerateFiles(target).Any())
        {
            return;
        }
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(TemplateDirectory))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
    }

    private void SaveTemplate(string dir)
    {
        var source = Path.Combine(dir, "cache", "qemu", "capabilities");
        lock (_templateGate)
        {
            if (Directory.Exists(TemplateDirectory) || !Directory.Exists(source) || !Directory.EnumerateFiles(source).Any())
            {
                return;
            }
            var tmp = TemplateDirectory + ".tmp-" + Environment.ProcessId;
            Directory.CreateDirectory(tmp);
            foreach (var file in Directory.EnumerateFiles(source))
            {
                File.Copy(file, Path.Combine(tmp, Path.GetFileName(file)), overwrite: true);
            }
            Directory.Move(tmp, TemplateDirectory);
        }
    }

    /// <summary>Starts the daemon of the pod folder <paramref name="dir"/>; <paramref name="podId"/> names it in logs and errors.</summary>
    private async Task StartDaemonAsync(string podId, string dir, CancellationToken ct)
    {
        var socket = SocketPathIn(dir);
        File.Delete(Path.Combine(dir, "libvirtd.pid"));
        File.Delete(Path.Combine(dir, "sock", "libvirt-sock"));
        var psi = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var a in new[] { "unshare", "--mount", "--propagation", "private", "sh", Path.Combine(dir, "launch.sh") })
        {
            psi.ArgumentList.Add(a);
        }
        using var launcher = Process.Start(psi) ?? throw new PodRuntimeException($"pod {podId}: could not start setsid/unshare; install util-linux");
        LogDaemonStarting(_logger, podId, launcher.Id);
        var started = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_startTimeout);
        while (true)
        {
            if (launcher.HasExited && launcher.ExitCode != 0)
            {
                throw new PodRuntimeException($"pod {podId}: libvirtd exited with {launcher.ExitCode} while starting; see {dir}/daemon.log");
            }
            if (DaemonPidIn(dir) is not null && File.Exists(socket))
            {
                try
                {
                    // Asking for capabilities makes the QEMU driver probe (or load the seeded cache); then the pod is ready.
                    using var probe = LibvirtConnection.Open("qemu+unix:///system?socket=" + socket);
                    _ = probe.GetCapabilities();
                    LogDaemonReady(_logger, podId, DaemonPidIn(dir) ?? 0, started.ElapsedMilliseconds);
                    return;
                }
                catch (LibvirtException e) when (e.IsConnectionLost || e.Code == LibvirtErrorCode.InternalError)
                {
                    // Socket exists but the daemon is not accepting yet; retry until the deadline.
                }
            }
            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                if (!launcher.HasExited)
                {
                    await ProcessTools.TerminateAsync(launcher.Id, TimeSpan.FromSeconds(2), CancellationToken.None);
                }
                throw new PodRuntimeException($"pod {podId}: libvirtd did not answer on {socket} within {_startTimeout.TotalSeconds:0} s; see {dir}/daemon.log");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {PodId}: starting libvirtd (launcher pid {Pid})")]
    private static partial void LogDaemonStarting(ILogger logger, string podId, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {PodId}: libvirtd pid {Pid} ready after {ElapsedMs} ms")]
    private static partial void LogDaemonReady(ILogger logger, string podId, int pid, long elapsedMs);
}
