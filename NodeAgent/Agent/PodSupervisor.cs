using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Domain;
using Orvirt.NodeAgent.Libvirt;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Agent;

/// <summary>
/// Keeps one <see cref="IDomainManager"/> per VM pod: creates pods, adopts the ones found on disk, feeds lifecycle
/// events into the <see cref="ObservedStateCache"/>, and restarts a pod daemon that died, then re-adopts its domain.
/// </summary>
public sealed partial class PodSupervisor : IDisposable
{
    private const string VmFile = "vm";
    private readonly IPodRuntime _runtime;
    private readonly string _imagesDirectory;
    private readonly ObservedStateCache _cache;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<VmId, IDomainManager> _managers = new();
    private readonly ConcurrentDictionary<VmId, SemaphoreSlim> _locks = new();
    private readonly ConcurrentDictionary<VmId, byte> _recovering = new();

    public PodSupervisor(IPodRuntime runtime, string imagesDirectory, ObservedStateCache cache, ILogger<PodSupervisor> logger)
    {
        _runtime = runtime;
        _imagesDirectory = imagesDirectory;
        _cache = cache;
        _logger = logger;
    }

    /// <summary>Asks for a VM to be synced (set by the agent; called after events and recoveries).</summary>
    public Action<VmId>? Enqueue { get; set; }

    /// <summary>The pod runtime in use.</summary>
    public IPodRuntime Runtime => _runtime;

    /// <summary>Number of pods with a live connection.</summary>
    public int ConnectedPods => _managers.Count;

    /// <summary>True when the VM has a pod on disk.</summary>
    public bool PodExists(VmId id) => Directory.Exists(_runtime.PodDirectory(DomainNames.PodId(id)));

    /// <summary>The VMs whose pods are on disk.</summary>
    public IReadOnlyList<VmId> PodsOnDisk() =>
        [.. _runtime.ListPods().Select(ReadVm).OfType<VmId>()];

    /// <summary>Ensures the VM's pod runs and a manager is connected to it.</summary>
    public async Task<IDomainManager> ConnectAsync(VmId id, CancellationToken ct)
    {
        if (_managers.TryGetValue(id, out var existing) && existing.IsConnected)
        {
            return existing;
        }
        var gate = _locks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            if (_managers.TryGetValue(id, out existing))
            {
                if (existing.IsConnected)
                {
                    return existing;
                }
                _managers.TryRemove(id, out _);
                existing.Dispose();
            }
            var pod = DomainNames.PodId(id);
            var started = Stopwatch.GetTimestamp();
            await _runtime.EnsurePodAsync(pod, ct);
            var podReady = Stopwatch.GetTimestamp();
            var vmFile = Path.Combine(_runtime.PodDirectory(pod), VmFile);
            if (!File.Exists(vmFile))
            {
                await File.WriteAllTextAsync(vmFile, id.Key, ct);
            }
            var manager = new DomainManager(_runtime.ConnectionUri(pod), _runtime.PodDirectory(pod), HypervisorDetector.DomainType(_runtime.Hypervisor), _imagesDirectory, _logger);
            manager.LifecycleEvent += e => OnLifecycle(id, e);
            manager.Disconnected += reason => OnDisconnected(id, manager, reason);
            _managers[id] = manager;
            LogConnected(_logger, id.Namespace, id.Name, Stopwatch.GetElapsedTime(started, podReady).TotalMilliseconds, Stopwatch.GetElapsedTime(podReady).TotalMilliseconds);
            return manager;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The VM's connected manager, or null.</summary>
    public IDomainManager? TryGet(VmId id) => _managers.TryGetValue(id, out var m) && m.IsConnected ? m : null;

    /// <summary>Reads the VM's domain into the cache (one read, used on a cache miss or after an action).</summary>
    public async Task<ObservedDomain> RefreshAsync(VmId id, CancellationToken ct)
    {
        var manager = TryGet(id);
        if (manager is null)
        {
            return _cache.Get(id);
        }
        var snap = await manager.GetAsync(DomainNames.DomainName(id), ct);
        var observed = ToObserved(snap);
        _cache.Set(id, observed);
        return observed;
    }

    /// <summary>Destroys the VM's domain, stops its daemon and removes its pod folder.</summary>
    public async Task RemoveAsync(VmId id, CancellationToken ct)
    {
        if (TryGet(id) is { } manager)
        {
            await manager.DeleteAsync(DomainNames.DomainName(id), ct);
        }
        if (_managers.TryRemove(id, out var removed))
        {
            removed.Dispose();
        }
        await _runtime.RemovePodAsync(DomainNames.PodId(id), ct);
        _cache.Set(id, ObservedDomain.Absent);
        LogPodRemoved(_logger, id.Namespace, id.Name);
    }

    /// <summary>Connects to every pod found on disk, restarting dead daemons, and loads their domains into the cache. Returns the VMs found.</summary>
    public async Task<IReadOnlyList<VmId>> AdoptAllAsync(CancellationToken ct)
    {
        var found = new List<VmId>();
        foreach (var pod in _runtime.ListPods())
        {
            if (ReadVm(pod) is not { } id)
            {
                LogUnknownPod(_logger, pod);
                await _runtime.RemovePodAsync(pod, ct);
                continue;
            }
            try
            {
                var manager = await ConnectAsync(id, ct);
                var snap = await manager.GetAsync(DomainNames.DomainName(id), ct);
                _cache.Set(id, ToObserved(snap));
                LogAdopted(_logger, id.Namespace, id.Name, snap?.State.ToString() ?? "no domain", snap?.Metadata?.InstanceId ?? "");
                found.Add(id);
            }
            catch (Exception e) when (e is LibvirtException or PodRuntimeException or IOException)
            {
                LogAdoptFailed(_logger, id.Namespace, id.Name, e.Message);
                found.Add(id);
            }
        }
        return found;
    }

    /// <summary>Checks every connected pod; a dead daemon or connection is recovered. Called periodically as a safety net for missed close callbacks.</summary>
    public void CheckHealth()
    {
        foreach (var (id, manager) in _managers)
        {
            if (!manager.IsConnected || !_runtime.IsAlive(DomainNames.PodId(id)))
            {
                StartRecovery(id, manager, "health check");
            }
        }
    }

    /// <summary>Closes every connection; pods and domains keep running.</summary>
    public void Dispose()
    {
        foreach (var (_, m) in _managers)
        {
            m.Dispose();
        }
        _managers.Clear();
    }

    internal static ObservedDomain ToObserved(DomainSnapshot? snap)
    {
        if (snap is null)
        {
            return ObservedDomain.Absent;
        }
        var (state, reason) = DomainStateMapper.FromLibvirt(snap.State, snap.Reason);
        return new ObservedDomain(state, reason, "", snap.Metadata?.InstanceId ?? "", snap.Metadata);
    }

    private VmId? ReadVm(string pod)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(_runtime.PodDirectory(pod), VmFile)).Trim();
            var id = VmId.Parse(text);
            return DomainNames.PodId(id) == pod ? id : null;
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void OnLifecycle(VmId id, DomainLifecycleEvent e)
    {
        if (e.DomainName != DomainNames.DomainName(id))
        {
            return;
        }
        if (DomainStateMapper.FromEvent(e.Type, e.Detail) is { } mapped)
        {
            var current = _cache.Get(id);
            if (current.Exists || mapped.State == DomainState.Absent)
            {
                _cache.Update(id, mapped.State, mapped.Reason);
            }
            LogEvent(_logger, id.Namespace, id.Name, e.Type.ToString(), mapped.State.ToString());
        }
        Enqueue?.Invoke(id);
    }

    private void OnDisconnected(VmId id, IDomainManager manager, ConnectionCloseReason reason)
    {
        LogDisconnected(_logger, id.Namespace, id.Name, reason.ToString());
        StartRecovery(id, manager, reason.ToString());
    }

    private void StartRecovery(VmId id, IDomainManager manager, string why)
    {
        if (!_recovering.TryAdd(id, 0))
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await RecoverAsync(id, manager, why);
            }
            finally
            {
                _recovering.TryRemove(id, out _);
            }
        });
    }

    private async Task RecoverAsync(VmId id, IDomainManager dead, string why)
    {
        var before = _cache.Get(id);
        _managers.TryRemove(new KeyValuePair<VmId, IDomainManager>(id, dead));
        dead.Dispose();
        var pod = DomainNames.PodId(id);
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            try
            {
                if (!PodExists(id))
                {
                    return;
                }
                if (!_runtime.IsAlive(pod))
                {
                    LogRestartingDaemon(_logger, id.Namespace, id.Name, why);
                    await _runtime.RestartDaemonAsync(pod, CancellationToken.None);
                }
                if (TryGet(id) is null)
                {
                    await ConnectAsync(id, CancellationToken.None);
                }
                var after = await RefreshAsync(id, CancellationToken.None);
                if (before.IsActive && !after.IsActive && after.Exists)
                {
                    // QEMU died with (or while) the daemon was down: that is a crash, whatever libvirt's reason says.
                    _cache.Set(id, after with { State = DomainState.Crashed, Reason = "Crashed", Message = $"QEMU was gone after the pod daemon restarted ({why})" });
                }
                LogRecovered(_logger, id.Namespace, id.Name, _cache.Get(id).State.ToString());
                Enqueue?.Invoke(id);
                return;
            }
            catch (Exception e) when (e is LibvirtException or PodRuntimeException or IOException)
            {
                LogRecoveryFailed(_logger, id.Namespace, id.Name, attempt, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt));
            }
        }
        Enqueue?.Invoke(id);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Namespace}/{Name}: adopted pod ({State}, run {InstanceId})")]
    private static partial void LogAdopted(ILogger logger, string @namespace, string name, string state, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Namespace}/{Name}: could not adopt the pod: {Error}")]
    private static partial void LogAdoptFailed(ILogger logger, string @namespace, string name, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {PodId} has no readable VM identity; removing it")]
    private static partial void LogUnknownPod(ILogger logger, string podId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Namespace}/{Name}: libvirt event {Event} -> {State}")]
    private static partial void LogEvent(ILogger logger, string @namespace, string name, string @event, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Namespace}/{Name}: lost the pod daemon connection ({Reason})")]
    private static partial void LogDisconnected(ILogger logger, string @namespace, string name, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Namespace}/{Name}: pod daemon is dead ({Why}); restarting it")]
    private static partial void LogRestartingDaemon(ILogger logger, string @namespace, string name, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Namespace}/{Name}: pod recovered; domain {State}")]
    private static partial void LogRecovered(ILogger logger, string @namespace, string name, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Namespace}/{Name}: pod recovery attempt {Attempt} failed: {Error}")]
    private static partial void LogRecoveryFailed(ILogger logger, string @namespace, string name, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Namespace}/{Name}: pod removed")]
    private static partial void LogPodRemoved(ILogger logger, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Namespace}/{Name}: pod ready in {PodMs:0} ms, libvirt connected in {ConnectMs:0} ms")]
    private static partial void LogConnected(ILogger logger, string @namespace, string name, double podMs, double connectMs);
}
