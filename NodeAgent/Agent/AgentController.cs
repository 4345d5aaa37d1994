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
    private readonly AgentOptions _options;
    private readonly IControlPlane _control;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VmReconciler _reconciler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _resyncSignal = new(0, 1);
    private Task _loops = Task.CompletedTask;

    public AgentController(AgentOptions options, IPodRuntime runtime, IControlPlane control, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options;
        _control = control;
        _time = time;
        _logger = loggers.CreateLogger<AgentController>();
        Cache = new ObservedStateCache();
        Desired = new DesiredStore();
        Pods = new PodSupervisor(runtime, options.ImagesDirectory, Cache, loggers.CreateLogger<PodSupervisor>());
        _reconciler = new VmReconciler(options.Node, Desired, Cache, Pods, control, time, loggers.CreateLogger<VmReconciler>());
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
        Node = await _control.RegisterAsync(registration, ct);
        _reconciler.NodeEpoch = Node.Epoch;
        LogRegistered(_logger, _options.Node, Node.Epoch, registration.Allocatable.Vcpus, registration.Allocatable.MemoryBytes, registration.Hypervisor.ToString(), registration.PodRuntime);
    }

    /// <summary>Loads every assignment from the node grain and queues every VM the agent knows of.</summary>
    public async Task ResyncAsync(CancellationToken ct)
    {
        var assignments = await _control.GetAssignmentsAsync(_options.Node, ct);
        foreach (var d in assignments)
        {
            Desired.Offer(d);
        }
        var all = new HashSet<VmId>(assignments.Select(a => a.Id));
        all.UnionWith(Desired.Keys);
        all.UnionWith(Cache.Keys);
        all.UnionWith(Pods.PodsOnDisk());
        foreach (var id in all)
        {
            Queue.Enqueue(id);
        }
        LogResynced(_logger, _options.Node, assignments.Length, all.Count);
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
                var info = await _control.HeartbeatAsync(_options.Node, AgentInstanceId, ct);
                if (!info.Registered)
                {
                    await RegisterAsync(ct);
                    RequestResync();
                }
                else
                {
                    Node = info;
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
            try
            {
                // Either the periodic interval passes or someone asked for a resync.
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var delay = Task.Delay(_options.ResyncInterval, _time, tick.Token);
                var signal = _resyncSignal.WaitAsync(tick.Token);
                await Task.WhenAny(delay, signal);
                await tick.CancelAsync();
                ct.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await ResyncAsync(ct);
            }
            catch (Exception e) when (VmReconciler.IsTransient(e) || e is InvalidOperationException)
            {
                LogResyncFailed(_logger, _options.Node, e.Message);
            }
        }
    }

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

    [LoggerMessage(Level = LogLevel.Debug, Message = "node {Node}: resynced {Assigned} assignments, {Queued} VMs queued")]
    private static partial void LogResynced(ILogger logger, string node, int assigned, int queued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node}: registration attempt {Attempt} failed: {Error}")]
    private static partial void LogRegisterFailed(ILogger logger, string node, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node}: heartbeat failed: {Error}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string node, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node}: resync failed: {Error}")]
    private static partial void LogResyncFailed(ILogger logger, string node, string error);
}
