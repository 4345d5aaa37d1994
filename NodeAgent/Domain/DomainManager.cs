using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Libvirt;

namespace Orvirt.NodeAgent.Domain;

/// <summary>Manages the domains of one pod over one libvirt connection.</summary>
public sealed partial class DomainManager : IDomainManager
{
    private readonly LibvirtConnection _connection;
    private readonly string _podDirectory;
    private readonly string _domainType;
    private readonly string _imagesDirectory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _stopWaiters = new(StringComparer.Ordinal);

    /// <summary>Opens <paramref name="uri"/>; <paramref name="domainType"/> is kvm, qemu or test.</summary>
    public DomainManager(string uri, string podDirectory, string domainType, string imagesDirectory, ILogger logger)
    {
        _connection = LibvirtConnection.Open(uri);
        _podDirectory = podDirectory;
        _domainType = domainType;
        _imagesDirectory = imagesDirectory;
        _logger = logger;
        // A dead daemon is noticed by EOF at once, a hung one after 3 missed keepalives 2 s apart.
        _connection.SetKeepAlive(2, 3);
        _connection.LifecycleEvent += OnLifecycle;
        _connection.Closed += reason => Disconnected?.Invoke(reason);
    }

    /// <inheritdoc />
    public event Action<DomainLifecycleEvent>? LifecycleEvent;

    /// <inheritdoc />
    public event Action<ConnectionCloseReason>? Disconnected;

    /// <inheritdoc />
    public bool IsConnected
    {
        get
        {
            try
            {
                return _connection.IsAlive;
            }
            catch (LibvirtException)
            {
                return false;
            }
        }
    }

    /// <inheritdoc />
    public async Task<DomainSnapshot> SyncAsync(VmDesired desired, CancellationToken ct)
    {
        var name = DomainNames.DomainName(desired.Id);
        var existing = await GetAsync(name, ct);
        if (existing is not null && existing.Metadata?.InstanceId != desired.InstanceId)
        {
            LogReplacing(_logger, desired.Namespace, desired.Name, existing.Metadata?.InstanceId ?? "(none)", desired.InstanceId);
            await DeleteAsync(name, ct);
            existing = null;
        }
        if (existing is not null && IsActive(existing.State))
        {
            return existing;
        }
        var disks = await DiskPreparer.PrepareAsync(desired.Spec, Path.Combine(_podDirectory, "disks"), _imagesDirectory, ct);
        var xml = DomainXmlBuilder.Build(new DomainBuildRequest(desired, _domainType, disks, _domainType == "test" ? null : Path.Combine(_podDirectory, "console.log")));
        return await RunSlow(() =>
        {
            var started = Stopwatch.GetTimestamp();
            using var dom = _connection.DefineXml(xml);
            var (state, _) = dom.GetState();
            var defined = Stopwatch.GetTimestamp();
            if (!IsActive(state))
            {
                dom.Create();
                LogStarted(_logger, desired.Namespace, desired.Name, name, Stopwatch.GetElapsedTime(started, defined).TotalMilliseconds, Stopwatch.GetElapsedTime(defined).TotalMilliseconds);
            }
            return Snapshot(dom);
        }, ct);
    }

    /// <inheritdoc />
    public Task PauseAsync(string domainName, CancellationToken ct) => WithDomain(domainName, d => d.Suspend(), ct);

    /// <inheritdoc />
    public Task ResumeAsync(string domainName, CancellationToken ct) => WithDomain(domainName, d => d.Resume(), ct);

    /// <inheritdoc />
    public async Task<bool> ShutdownAsync(string domainName, TimeSpan grace, CancellationToken ct)
    {
        var stopped = _stopWaiters.GetOrAdd(domainName, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            var active = await Task.Run(() =>
            {
                using var dom = _connection.TryLookupByName(domainName);
                if (dom is null || !IsActive(dom.GetState().State))
                {
                    return false;
                }
                if (grace > TimeSpan.Zero)
                {
                    dom.Shutdown();
                }
                return true;
            }, ct);
            if (!active)
            {
                return true;
            }
            if (grace > TimeSpan.Zero)
            {
                try
                {
                    await stopped.Task.WaitAsync(grace, ct);
                    return true;
                }
                catch (TimeoutException)
                {
                    // The guest ignored ACPI (or has no OS): destroy after the grace period, as KubeVirt does.
                }
            }
            await KillAsync(domainName, ct);
            return false;
        }
        finally
        {
            _stopWaiters.TryRemove(new KeyValuePair<string, TaskCompletionSource>(domainName, stopped));
        }
    }

    /// <inheritdoc />
    public Task KillAsync(string domainName, CancellationToken ct) => RunSlow(() =>
    {
        using var dom = _connection.TryLookupByName(domainName);
        if (dom is not null)
        {
            DestroyIfActive(dom, ct);
        }
    }, ct);

    /// <inheritdoc />
    public Task DeleteAsync(string domainName, CancellationToken ct) => RunSlow(() =>
    {
        using var dom = _connection.TryLookupByName(domainName);
        if (dom is null)
        {
            return;
        }
        DestroyIfActive(dom, ct);
        try
        {
            dom.Undefine();
        }
        catch (LibvirtException e) when (e.IsNotFound)
        {
            // Already gone (a transient domain disappears when destroyed).
        }
    }, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<DomainSnapshot>> ListAsync(CancellationToken ct) => Task.Run<IReadOnlyList<DomainSnapshot>>(() =>
    {
        var domains = _connection.ListAllDomains();
        try
        {
            return [.. domains.Select(Snapshot)];
        }
        finally
        {
            foreach (var d in domains)
            {
                d.Dispose();
            }
        }
    }, ct);

    /// <inheritdoc />
    public Task<DomainSnapshot?> GetAsync(string domainName, CancellationToken ct) => Task.Run(() =>
    {
        using var dom = _connection.TryLookupByName(domainName);
        return dom is null ? null : Snapshot(dom);
    }, ct);

    /// <summary>Closes the connection (the domains keep running).</summary>
    public void Dispose()
    {
        _connection.LifecycleEvent -= OnLifecycle;
        _connection.Dispose();
    }

    internal static bool IsActive(LibvirtDomainState s) => s is LibvirtDomainState.Running or LibvirtDomainState.Paused or LibvirtDomainState.Blocked or LibvirtDomainState.Shutdown or LibvirtDomainState.PmSuspended;

    /// <summary>
    /// Destroys an active domain. Right after a daemon restart libvirt may still be reconnecting to QEMU and
    /// refuse with "not running" while the domain reads as active: retry that for a bounded time.
    /// </summary>
    private static void DestroyIfActive(LibvirtDomain dom, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (IsActive(dom.GetState().State))
        {
            try
            {
                dom.Destroy();
                return;
            }
            catch (LibvirtException e) when (e.Code == LibvirtErrorCode.OperationInvalid && DateTime.UtcNow < deadline)
            {
                ct.WaitHandle.WaitOne(100);
                ct.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>
    /// A call that waits for QEMU (start, destroy) runs on a thread of its own (<see cref="BlockingCall"/>); the test
    /// driver answers in microseconds, so its calls stay on the thread pool.
    /// </summary>
    private Task<T> RunSlow<T>(Func<T> call, CancellationToken ct) => _domainType == "test" ? Task.Run(call, ct) : BlockingCall.RunAsync(call, ct);

    private Task RunSlow(Action call, CancellationToken ct) => _domainType == "test" ? Task.Run(call, ct) : BlockingCall.RunAsync(call, ct);

    private static DomainSnapshot Snapshot(LibvirtDomain d)
    {
        var (state, reason) = d.GetState();
        return new DomainSnapshot(d.Name, d.Uuid, state, reason, DomainMetadata.Parse(d.GetXmlDesc()), d.Id);
    }

    private Task WithDomain(string domainName, Action<LibvirtDomain> action, CancellationToken ct) => Task.Run(() =>
    {
        using var dom = _connection.LookupByName(domainName);
        action(dom);
    }, ct);

    private void OnLifecycle(DomainLifecycleEvent e)
    {
        if (e.Type is DomainEventType.Stopped or DomainEventType.Undefined && _stopWaiters.TryGetValue(e.DomainName, out var waiter))
        {
            waiter.TrySetResult();
        }
        LifecycleEvent?.Invoke(e);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Namespace}/{Name}: replacing the domain of run {OldInstance} with run {NewInstance}")]
    private static partial void LogReplacing(ILogger logger, string @namespace, string name, string oldInstance, string newInstance);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Namespace}/{Name}: started domain {Domain} (define {DefineMs:0} ms, start {StartMs:0} ms)")]
    private static partial void LogStarted(ILogger logger, string @namespace, string name, string domain, double defineMs, double startMs);
}
