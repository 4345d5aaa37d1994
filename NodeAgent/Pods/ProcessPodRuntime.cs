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
    private readonly bool _fastGuestCpuCheck;
    private List<(string Name, string Content)>? _template;
    private List<(string Name, string Content)>? _seed;

    /// <summary>
    /// Pods live in <paramref name="podsDirectory"/>; keep it short (socket paths are limited to 108 bytes).
    /// <paramref name="warmPods"/> pods are kept started ahead of need once <see cref="StartWarmPoolAsync"/> is called.
    /// <paramref name="fastGuestCpuCheck"/>: see <see cref="CapabilitiesTemplate.DropSlowCpuQuery"/>.
    /// </summary>
    public ProcessPodRuntime(string podsDirectory, HypervisorKind hypervisor, TimeSpan startTimeout, ILogger<ProcessPodRuntime> logger, int warmPods = 0, bool fastGuestCpuCheck = true)
    {
        _root = Path.GetFullPath(podsDirectory);
        Hypervisor = hypervisor;
        _startTimeout = startTimeout;
        _logger = logger;
        ArgumentOutOfRangeException.ThrowIfNegative(warmPods);
        WarmPodTarget = warmPods;
        _fastGuestCpuCheck = fastGuestCpuCheck;
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

    /// <summary>
    /// Writes the template's capabilities into a new pod's cache (as <see cref="Transform"/> makes them), unless the
    /// pod already has a cache or there is no template yet.
    /// </summary>
    private void SeedCapabilities(string dir)
    {
        var target = Path.Combine(dir, "cache", "qemu", "capabilities");
        lock (_templateGate)
        {
            if (Directory.Exists(target) && Directory.EnumerateFiles(target).Any() || SeedFiles() is not { } seed)
            {
                return;
            }
            Directory.CreateDirectory(target);
            foreach (var (name, content) in seed)
            {
                File.WriteAllText(Path.Combine(target, name), content);
            }
        }
    }

    /// <summary>The files a new pod is seeded with, read once per template; null without a template. Call under the gate.</summary>
    private List<(string Name, string Content)>? SeedFiles()
    {
        if (_seed is null && Directory.Exists(TemplateDirectory))
        {
            var files = ReadCache(TemplateDirectory);
            if (files.Count > 0)
            {
                _template = files;
                _seed = [.. files.Select(f => (f.Name, Transform(f.Content)))];
            }
        }
        return _seed;
    }

    /// <summary>
    /// Keeps the daemon's QEMU capabilities cache of <paramref name="dir"/>, as libvirt wrote it, as the template for the
    /// next pods: when there is none yet, and when the daemon did not accept the seeded one (libvirt probes again and
    /// rewrites its cache after a QEMU, libvirt, kernel or microcode update), so that a stale template does not make
    /// every later pod probe again.
    /// </summary>
    private void SaveTemplate(string dir)
    {
        var source = Path.Combine(dir, "cache", "qemu", "capabilities");
        if (!Directory.Exists(source))
        {
            return;
        }
        lock (_templateGate)
        {
            var files = ReadCache(source);
            // The daemon kept what it was seeded with, or (a pod seeded before this agent version, restarted) the template as probed.
            if (files.Count == 0 || SeedFiles() is { } seed && (SameFiles(files, seed) || SameFiles(files, _template!)))
            {
                return;
            }
            var replaced = Directory.Exists(TemplateDirectory);
            var tmp = TemplateDirectory + ".tmp-" + Environment.ProcessId;
            if (Directory.Exists(tmp))
            {
                Directory.Delete(tmp, recursive: true);
            }
            Directory.CreateDirectory(tmp);
            foreach (var (name, content) in files)
            {
                File.WriteAllText(Path.Combine(tmp, name), content);
            }
            if (replaced)
            {
                Directory.Delete(TemplateDirectory, recursive: true);
            }
            Directory.Move(tmp, TemplateDirectory);
            _seed = null;
            _template = null;
            LogTemplateSaved(_logger, replaced ? "replaced (the pod's libvirtd did not accept the old one and probed QEMU again)" : "saved", TemplateDirectory);
        }
    }

    private static List<(string Name, string Content)> ReadCache(string directory) =>
        [.. Directory.EnumerateFiles(directory, "*.xml").Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllText(f)))];

    private static bool SameFiles(List<(string Name, string Content)> a, List<(string Name, string Content)> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Name == p.Second.Name && p.First.Content == p.Second.Content);

    /// <summary>What a new pod's cache holds for one template file: see <see cref="CapabilitiesTemplate.DropSlowCpuQuery"/>.</summary>
    private string Transform(string capabilitiesXml) => _fastGuestCpuCheck ? CapabilitiesTemplate.DropSlowCpuQuery(capabilitiesXml) : capabilitiesXml;

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
                    // A probe takes seconds: on a thread of its own, not one of the thread pool's few.
                    await BlockingCall.RunAsync(() =>
                    {
                        using var probe = LibvirtConnection.Open("qemu+unix:///system?socket=" + socket);
                        _ = probe.GetCapabilities();
                    }, ct);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "QEMU capabilities template {How}: {Directory}")]
    private static partial void LogTemplateSaved(ILogger logger, string how, string directory);
}
