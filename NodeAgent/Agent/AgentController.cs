using System.Reflection;
using Microsoft.Extensions.Logging;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Agent;

/// <summary>
/// The node agent's logic, independent of how desired states arrive: adopts pods, registers and heartbeats the node,
/// takes desired states (stream or resync), and runs the per-VM work queue.
/// </summary>
public sealed partial class AgentController : IAsyncDisposable
{
    /// <summary>The shortest lease a Ready answer gives for starts (see <see cref="NodeFence"/>).</summary>
    public static readonly TimeSpan MinimumStartLease = TimeSpan.FromSeconds(5);
    private readonly AgentOptions _options;
    private readonly IControlPlane _control;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VmReconciler _reconciler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _resyncSignal = new(0, 1);
    private Task _loops = Task.CompletedTask;
    private long _announcedFenceEpoch;

    public AgentController(AgentOptions options, IPodRuntime runtime, IControlPlane control, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options;
        _control = control;
        _time = time;
        _logger = loggers.CreateLogger<AgentController>();
        Cache = new ObservedStateCache();
        Desired = new DesiredStore();
        Pods = new PodSupervisor(runtime, options.ImagesDirectory, Cache, loggers.CreateLogger<PodSupervisor>());
        // Three heartbeats, at least 5 s: one late or slow heartbeat (a loaded host) does not hold starts back, and it is
        // still shorter than the control plane's heartbeat timeout plus fence grace (15 s + 30 s by default).
        Fence = new NodeFence(TimeSpan.FromTicks(Math.Max(3 * options.HeartbeatInterval.Ticks, MinimumStartLease.Ticks)));
        _reconciler = new VmReconciler(options.Node, Desired, Cache, Pods, Fence, control, time, loggers.CreateLogger<VmReconciler>());
        Queue = new VmWorkQueue(options.MaxParallelSyncs, _reconciler.SyncAsync, time);
        Pods.Enqueue = Queue.Enqueue;
    }

    /// <summary>New for every agent process.</summary>
    public string AgentInstanceId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Latest desired state per VM.</summary>
    public DesiredStore Desired { get; }

    /// <summary>Observed domain state per VM.</summary>
    public ObservedStateCache Cache { get; }

    /// <summary>The pods of this node.</summary>
    public PodSupervisor Pods { get; }

    /// <summary>The per-VM work queue.</summary>
    public VmWorkQueue Queue { get; }

    /// <summary>The node as last registered or heartbeated.</summary>
    public NodeInfo? Node { get; private set; }

    /// <summary>Whether the node is fenced, and which cached desired states that made void.</summary>
    public NodeFence Fence { get; }

    /// <summary>Adopts existing pods, registers the node, resyncs, and starts the workers, heartbeat and periodic resync.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var adopted = await Pods.AdoptAllAsync(ct);
        LogAdoption(_logger, _options.Node, adopted.Count);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RegisterAsync(ct);
                await ResyncAsync(ct);
                break;
            }
            catch (Exception e) when (VmReconciler.IsTransient(e) && !ct.IsCancellationRequested)
            {
                // The silo may still be starting; keep trying, at most every 5 s.
                LogRegisterFailed(_logger, _options.Node, attempt, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * attempt)), _time, ct);
            }
        }
        var stop = _stopping.Token;
        _loops = Task.WhenAll(Queue.RunAsync(stop), HeartbeatLoopAsync(stop), ResyncLoopAsync(stop));
    }

    /// <summary>Takes a desired state from the stream (or anywhere): kept when newer, then its VM is queued.</summary>
    public void OnDesired(VmDesired desired)
    {
        if (Desired.Offer(desired))
        {
            Queue.Enqueue(desired.Id);
        }
    }

    /// <summary>Asks the resync loop to resync now (stream error, reconnect).</summary>
    public void RequestResync()
    {
        try
        {
            _resyncSignal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A resync is already pending.
        }
    }

    /// <summary>Registers the node (again); used at start and when the control plane forgot it.</summary>
    public async Task RegisterAsync(CancellationToken ct)
    {
        var registration = new NodeRegistration
        {
            Name = _options.Node,
            Allocatable = HostCapacity.Read(_options),
            Hypervisor = Pods.Runtime.Hypervisor,
            PodRuntime = Pods.Runtime.Kind,
            AgentInstanceId = AgentInstanceId,
            AgentVersion = typeof(AgentController).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
        };
        var sentAt = _time.GetUtcNow();
        var info = await _control.RegisterAsync(registration, ct);
        Node = info;
        _reconciler.NodeEpoch = info.Epoch;
        LogRegistered(_logger, _options.Node, info.Epoch, registration.Allocatable.Vcpus, registration.Allocatable.MemoryBytes, registration.Hypervisor.ToString(), registration.PodRuntime);
        // A fenced node stays fenced across agent restarts: the cleanup starts with the resync that follows a registration.
        OnFenceStep(Fence.Observe(info, sentAt), info);
    }

    /// <summary>
    /// One step of the cleanup of a fenced node: destroys (through the work queue) every domain and pod that the
    /// assignments no longer list, waits up to one heartbeat interval for that, and once nothing is left confirms the
    /// cleanup with the epoch the node was fenced at. Until the control plane readmits the node it is called again
    /// after every heartbeat. Returns true when the node is no longer fenced.
    /// </summary>
    public async Task<bool> CleanUpFencedNodeAsync(CancellationToken ct)
    {
        if (Fence.FencedAtEpoch is not { } epoch)
        {
            return true;
        }
        // Empty while the node is fenced: nothing may stay.
        var assignments = await _control.GetAssignmentsAsync(_options.Node, ct);
        var assigned = assignments.Select(a => a.Id).ToList();
        var leftovers = Leftovers(assigned);
        foreach (var id in leftovers)
        {
            Queue.Enqueue(id);
        }
        var deadline = _time.GetUtcNow() + _options.HeartbeatInterval;
        while (leftovers.Count > 0 && _time.GetUtcNow() < deadline)
        {
            // Polls the pods folder and the event-fed cache while the work queue destroys; bounded by one heartbeat.
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, ct);
            leftovers = Leftovers(assigned);
        }
        if (leftovers.Count > 0)
        {
            LogFenceCleanupPending(_logger, _options.Node, epoch, leftovers.Count, string.Join(", ", leftovers.Take(5)));
            return false;
        }
        NodeInfo info;
        var sentAt = _time.GetUtcNow();
        try
        {
            info = await _control.ConfirmFencedCleanupAsync(_options.Node, AgentInstanceId, epoch, ct);
        }
        catch (ArgumentException e)
        {
            // Not the epoch the node was fenced at: the next heartbeat answer carries the right one.
            LogFenceConfirmRefused(_logger, _options.Node, epoch, e.Message);
            return false;
        }
        catch (InvalidOperationException e)
        {
            // Not registered, or another agent instance is: register again (the answer is fenced still) and go on.
            LogFenceConfirmRefused(_logger, _options.Node, epoch, e.Message);
            await RegisterAsync(ct);
            RequestResync();
            return false;
        }
        Node = info;
        var step = Fence.Observe(info, sentAt);
        if (step == FenceStep.CleanUp)
        {
            LogFenceConfirmDeferred(_logger, _options.Node, epoch);
        }
        OnFenceStep(step, info);
        return step == FenceStep.Unfenced;
    }

    /// <summary>Loads every assignment from the node grain and queues every VM the agent knows of.</summary>
    public Task ResyncAsync(CancellationToken ct) => ResyncAsync(onlyUnsettled: false, ct);

    /// <summary>
    /// Loads every assignment from the node grain and queues the VMs the agent knows of: all of them, or with
    /// <paramref name="onlyUnsettled"/> (the periodic resync) only those that may need work or a report, that is all but
    /// the assigned VMs for which <see cref="VmReconciler.IsSettled"/> holds (nothing changed since the grain accepted
    /// their last report, within <see cref="AgentOptions.ReportRefreshInterval"/>). Returns how many were queued.
    /// </summary>
    public async Task<int> ResyncAsync(bool onlyUnsettled, CancellationToken ct)
    {
        var assignments = await _control.GetAssignmentsAsync(_options.Node, ct);
        foreach (var d in assignments)
        {
            Desired.Offer(d);
        }
        var assigned = new HashSet<VmId>(assignments.Select(a => a.Id));
        var all = new HashSet<VmId>(assigned);
        all.UnionWith(Desired.Keys);
        all.UnionWith(Cache.Keys);
        all.UnionWith(Pods.PodsOnDisk());
        var queued = 0;
        foreach (var id in all)
        {
            // A VM held here but not assigned (deleted, moved, or the node grain lost it) is always synced.
            if (onlyUnsettled && assigned.Contains(id) && _reconciler.IsSettled(id, _options.ReportRefreshInterval))
            {
                continue;
            }
            Queue.Enqueue(id);
            queued++;
        }
        LogResynced(_logger, _options.Node, assignments.Length, queued, all.Count - queued);
        return queued;
    }

    /// <summary>Stops the loops and closes pod connections; pods and VMs keep running.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _loops;
        }
        catch (OperationCanceledException)
        {
        }
        Pods.Dispose();
        _stopping.Dispose();
    }

    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        while (await WaitTickAsync(timer, ct))
        {
            Pods.CheckHealth();
            try
            {
                var sentAt = _time.GetUtcNow();
                var info = await _control.HeartbeatAsync(_options.Node, AgentInstanceId, ct);
                if (!info.Registered)
                {
                    await RegisterAsync(ct);
                    RequestResync();
                }
                else
                {
                    Node = info;
                    OnFenceStep(Fence.Observe(info, sentAt), info);
                    if (Fence.IsFenced)
                    {
                        await CleanUpFencedNodeAsync(ct);
                    }
                }
            }
            catch (Exception e) when (VmReconciler.IsTransient(e) || e is InvalidOperationException)
            {
                LogHeartbeatFailed(_logger, _options.Node, e.Message);
            }
        }
    }

    private async Task ResyncLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            bool requested;
            try
            {
                // Either the periodic interval passes or someone asked for a resync.
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var delay = Task.Delay(_options.ResyncInterval, _time, tick.Token);
                var signal = _resyncSignal.WaitAsync(tick.Token);
                requested = await Task.WhenAny(delay, signal) == signal;
                await tick.CancelAsync();
                ct.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                // Asked for (start, reconnect, stream error, fence): every VM. Periodic: what may need work or a report.
                await ResyncAsync(onlyUnsettled: !requested, ct);
            }
            catch (Exception e) when (VmReconciler.IsTransient(e) || e is InvalidOperationException)
            {
                LogResyncFailed(_logger, _options.Node, e.Message);
            }
        }
    }

    private void OnFenceStep(FenceStep step, NodeInfo info)
    {
        // Starts held back while no recent Ready answer was known run now, unless the answer said the opposite.
        if (Fence.MayStart(_time.GetUtcNow()))
        {
            foreach (var id in Fence.TakeDeferred())
            {
                Queue.Enqueue(id);
            }
        }
        switch (step)
        {
            case FenceStep.CleanUp when info.Epoch != _announcedFenceEpoch:
                _announcedFenceEpoch = info.Epoch;
                LogFenced(_logger, _options.Node, info.Epoch);
                break;
            case FenceStep.Unfenced:
                // New assignments carry the epoch after the fence; anything older stays void.
                _reconciler.NodeEpoch = info.Epoch;
                LogUnfenced(_logger, _options.Node, info.Epoch, info.Ready);
                RequestResync();
                break;
        }
    }

    private List<VmId> Leftovers(IEnumerable<VmId> assigned) =>
        [.. NodeFence.Leftovers(assigned, Pods.PodsOnDisk(), Cache.Keys.Where(id => Cache.Get(id).Exists))];

    private static async Task<bool> WaitTickAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node}: adopted {Count} pods")]
    private static partial void LogAdoption(ILogger logger, string node, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node}: registered (epoch {Epoch}, {Vcpus} vCPUs, {MemoryBytes} bytes, {Hypervisor}, {Runtime} pods)")]
    private static partial void LogRegistered(ILogger logger, string node, long epoch, int vcpus, long memoryBytes, string hypervisor, string runtime);

    [LoggerMessage(Level = LogLevel.Debug, Message = "node {Node}: resynced {Assigned} assignments, {Queued} VMs queued, {Settled} unchanged since their last accepted report")]
    private static partial void LogResynced(ILogger logger, string node, int assigned, int queued, int settled);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node}: registration attempt {Attempt} failed: {Error}")]
    private static partial void LogRegisterFailed(ILogger logger, string node, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node}: heartbeat failed: {Error}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string node, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node}: fenced at epoch {Epoch}; nothing is started, every VM here is destroyed before the node is readmitted")]
    private static partial void LogFenced(ILogger logger, string node, long epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node}: fence at epoch {Epoch}: {Count} VMs still to destroy ({First})")]
    private static partial void LogFenceCleanupPending(ILogger logger, string node, long epoch, int count, string first);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node}: cleanup confirmation for epoch {Epoch} refused: {Error}")]
    private static partial void LogFenceConfirmRefused(ILogger logger, string node, long epoch, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node}: cleanup confirmed for epoch {Epoch}; its VMs are still being failed over, confirming again after the next heartbeat")]
    private static partial void LogFenceConfirmDeferred(ILogger logger, string node, long epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node}: readmitted at epoch {Epoch} (Ready {Ready}); resyncing")]
    private static partial void LogUnfenced(ILogger logger, string node, long epoch, bool ready);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node}: resync failed: {Error}")]
    private static partial void LogResyncFailed(ILogger logger, string node, string error);
}
