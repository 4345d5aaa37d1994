using Microsoft.Extensions.Logging;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Domain;
using Orvirt.NodeAgent.Libvirt;
using Orvirt.NodeAgent.Pods;
using Polly;
using Polly.Retry;

namespace Orvirt.NodeAgent.Agent;

/// <summary>
/// One VM's sync in KubeVirt's shape: decide (pure, <see cref="SyncDecision"/>), perform exactly one action, then
/// always report what was observed to the VM grain, even when the action failed.
/// </summary>
public sealed partial class VmReconciler
{
    private readonly string _node;
    private readonly DesiredStore _desired;
    private readonly ObservedStateCache _cache;
    private readonly PodSupervisor _pods;
    private readonly NodeFence _fence;
    private readonly IControlPlane _control;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _transient;

    public VmReconciler(string node, DesiredStore desired, ObservedStateCache cache, PodSupervisor pods, NodeFence fence, IControlPlane control, TimeProvider time, ILogger<VmReconciler> logger)
    {
        _node = node;
        _desired = desired;
        _cache = cache;
        _pods = pods;
        _fence = fence;
        _control = control;
        _time = time;
        _logger = logger;
        _transient = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = 3,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .Build();
    }

    /// <summary>The last observation per VM that its grain accepted (see <see cref="IsSettled"/>).</summary>
    public ReportLedger Reported { get; } = new();

    /// <summary>Epoch of this node's registration; reports carry it.</summary>
    public long NodeEpoch { get; set; }

    /// <summary>True for failures that a retry may cure: a lost libvirt or cluster connection, a timeout.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        LibvirtException l => l.IsConnectionLost,
        PodRuntimeException => true,
        TimeoutException => true,
        OrleansException => true,
        _ => false,
    };

    /// <summary>Syncs one VM. Throws after reporting when the action failed transiently, so that the work queue retries it.</summary>
    public async Task SyncAsync(VmId id, CancellationToken ct)
    {
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["Namespace"] = id.Namespace, ["Name"] = id.Name });
        var desired = _desired.Get(id);
        if (desired is null)
        {
            // Adopted or event-driven VM without a message yet: ask its grain.
            desired = await _transient.ExecuteAsync(async c => await _control.GetDesiredAsync(id, c), ct);
            if (desired is not null)
            {
                _desired.Offer(desired);
                desired = _desired.Get(id);
            }
        }
        var forUs = desired is not null && desired.Node == _node;
        // The node is fenced, or this desired state is from before its last fence: the VM was released and may run
        // elsewhere now, so what is here is destroyed and never started again.
        var voided = forUs && _fence.IsVoid(desired!);
        var effective = forUs && !voided ? desired : null;

        var observed = _cache.Get(id);
        if ((!observed.Exists || observed.InstanceId.Length == 0) && _pods.PodExists(id))
        {
            // Cache miss: one read (adoption or a start whose events have not arrived).
            observed = await _pods.RefreshAsync(id, ct);
        }
        var action = SyncDecision.Decide(effective, observed, _pods.PodExists(id));
        if (voided && action != SyncAction.None)
        {
            LogVoided(_logger, id.Namespace, id.Name, desired!.Epoch, _fence.FencedAtEpoch ?? _fence.VoidBelowEpoch);
        }
        if (action is SyncAction.Start or SyncAction.ReplaceRun or SyncAction.Resume && !_fence.MayStart(_time.GetUtcNow()))
        {
            // No Ready answer within the lease (agent frozen, cut off, or fenced): the VM may run elsewhere by now.
            // Nothing is started; the next Ready answer syncs it again.
            _fence.Defer(id);
            LogStartDeferred(_logger, id.Namespace, id.Name, action.ToString(), _fence.Lease.TotalSeconds);
            return;
        }
        if (action != SyncAction.None)
        {
            LogAction(_logger, id.Namespace, id.Name, action.ToString(), observed.State.ToString(), effective?.Power.ToString() ?? "Gone", effective?.Sequence ?? 0);
        }

        Exception? failure = null;
        try
        {
            await _transient.ExecuteAsync(async c => await ExecuteAsync(action, id, effective, c), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            failure = e;
            LogActionFailed(_logger, id.Namespace, id.Name, action.ToString(), e.Message);
        }

        if (effective is not null)
        {
            _desired.MarkApplied(effective);
            await ReportAsync(effective, action, failure, ct);
        }
        else if (failure is null && (action == SyncAction.Delete || voided))
        {
            _desired.Forget(id);
            Reported.Forget(id);
        }
        if (failure is not null && IsTransient(failure))
        {
            throw failure;
        }
    }

    /// <summary>
    /// True when a periodic resync may skip <paramref name="id"/>: its latest desired state is for this node, not void,
    /// and applied; the cached domain needs no action; and what a sync would report equals what the grain last
    /// accepted, less than (a per-VM share of) <paramref name="refreshInterval"/> ago. Anything else (a change, a
    /// failed or refused report, a cache miss, a fenced node) makes it false, and the VM is synced and reported.
    /// </summary>
    public bool IsSettled(VmId id, TimeSpan refreshInterval)
    {
        var desired = _desired.Get(id);
        if (desired is null || desired.Node != _node || _fence.IsFenced || _fence.IsVoid(desired)
            || _desired.AppliedSequence(desired.Uid) is not { } applied || applied < desired.Sequence)
        {
            return false;
        }
        var observed = _cache.Get(id);
        var podExists = _pods.PodExists(id);
        if ((!observed.Exists || observed.InstanceId.Length == 0) && podExists)
        {
            return false;
        }
        if (SyncDecision.Decide(desired, observed, podExists) != SyncAction.None)
        {
            return false;
        }
        var now = _time.GetUtcNow();
        return Reported.IsCurrent(BuildObserved(desired, observed, SyncAction.None, null, _pods.Runtime.Hypervisor, desired.Epoch, now), now, refreshInterval);
    }

    /// <summary>Builds the observation to report for <paramref name="desired"/>.</summary>
    public static VmObserved BuildObserved(VmDesired desired, ObservedDomain observed, SyncAction action, Exception? failure, HypervisorKind hypervisor, long epoch, DateTimeOffset now)
    {
        var sameRun = observed.Exists && observed.InstanceId == desired.InstanceId;
        var state = sameRun ? observed.State : DomainState.Absent;
        var reason = sameRun ? observed.Reason : "";
        var message = sameRun ? observed.Message : "";
        if (failure is not null)
        {
            if (action is SyncAction.Start or SyncAction.ReplaceRun && state is DomainState.Absent or DomainState.Shutoff or DomainState.Crashed)
            {
                state = DomainState.Crashed;
                reason = "StartFailed";
            }
            else
            {
                reason = "SyncFailed";
            }
            message = failure.Message;
        }
        return new VmObserved
        {
            Namespace = desired.Namespace,
            Name = desired.Name,
            Uid = desired.Uid,
            InstanceId = desired.InstanceId,
            Node = desired.Node,
            Epoch = desired.Epoch,
            State = state,
            Reason = reason,
            Message = message,
            ObservedGeneration = desired.Generation,
            DesiredSequence = desired.Sequence,
            Hypervisor = hypervisor,
            ObservedAt = now,
        };
    }

    private async Task ExecuteAsync(SyncAction action, VmId id, VmDesired? desired, CancellationToken ct)
    {
        var name = DomainNames.DomainName(id);
        switch (action)
        {
            case SyncAction.None:
                return;
            case SyncAction.Start or SyncAction.ReplaceRun:
                {
                    var manager = await _pods.ConnectAsync(id, ct);
                    var snap = await manager.SyncAsync(desired!, ct);
                    _cache.Set(id, PodSupervisor.ToObserved(snap));
                    return;
                }
            case SyncAction.Pause:
                await (await _pods.ConnectAsync(id, ct)).PauseAsync(name, ct);
                break;
            case SyncAction.Resume:
                await (await _pods.ConnectAsync(id, ct)).ResumeAsync(name, ct);
                break;
            case SyncAction.Shutdown:
                {
                    var manager = await _pods.ConnectAsync(id, ct);
                    using var interrupt = _desired.InterruptOnDelete(id, desired!.Sequence);
                    using var stopOrDelete = CancellationTokenSource.CreateLinkedTokenSource(ct, interrupt.Token);
                    try
                    {
                        var byGuest = await manager.ShutdownAsync(name, TimeSpan.FromSeconds(Math.Max(0, desired.StopGracePeriodSeconds)), stopOrDelete.Token);
                        LogStopped(_logger, id.Namespace, id.Name, byGuest ? "the guest shut down" : "destroyed after the grace period");
                    }
                    catch (OperationCanceledException) when (interrupt.IsRequested && !ct.IsCancellationRequested)
                    {
                        // The delete is queued behind this work item: it destroys the domain and removes the pod next.
                        LogStopInterrupted(_logger, id.Namespace, id.Name);
                    }
                    break;
                }
            case SyncAction.Kill:
                await (await _pods.ConnectAsync(id, ct)).KillAsync(name, ct);
                break;
            case SyncAction.Delete:
                await _pods.RemoveAsync(id, ct);
                return;
        }
        await _pods.RefreshAsync(id, ct);
    }

    private async Task ReportAsync(VmDesired desired, SyncAction action, Exception? failure, CancellationToken ct)
    {
        var observed = BuildObserved(desired, _cache.Get(desired.Id), action, failure, _pods.Runtime.Hypervisor, desired.Epoch, _time.GetUtcNow());
        ReportAck ack;
        try
        {
            ack = await _transient.ExecuteAsync(async c => await _control.ReportObservedAsync(observed, c), ct);
        }
        catch (Exception e) when (IsTransient(e))
        {
            LogReportFailed(_logger, desired.Namespace, desired.Name, e.Message);
            throw;
        }
        LogReported(_logger, desired.Namespace, desired.Name, observed.State.ToString(), observed.Reason, ack.Accepted, ack.Reason);
        if (ack.Accepted && ack.Desired is not null)
        {
            Reported.Accepted(observed, observed.ObservedAt);
        }
        else
        {
            Reported.Forget(desired.Id);
        }
        if (ack.Desired is null)
        {
            // The VM no longer exists: destroy its domain and pod.
            if (desired.Power == DesiredPower.Absent)
            {
                _desired.Forget(desired.Id);
            }
            else
            {
                _desired.Offer(desired with { Power = DesiredPower.Absent, Sequence = desired.Sequence + 1 });
                _pods.Enqueue?.Invoke(desired.Id);
            }
            return;
        }
        if (ack.Desired.Node != _node && desired.Node == _node)
        {
            // Moved to another node (or unassigned): what is here must go.
            _desired.Offer(ack.Desired with { Node = _node, Power = DesiredPower.Absent });
            _pods.Enqueue?.Invoke(desired.Id);
        }
        else if (_desired.Offer(ack.Desired))
        {
            _pods.Enqueue?.Invoke(desired.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Namespace}/{Name}: {Action} (observed {Observed}, desired {Desired} seq {Sequence})")]
    private static partial void LogAction(ILogger logger, string @namespace, string name, string action, string observed, string desired, long sequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Namespace}/{Name}: desired state of epoch {Epoch} is void (node fenced at epoch {FenceEpoch}); removing what is here")]
    private static partial void LogVoided(ILogger logger, string @namespace, string name, long epoch, long fenceEpoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Namespace}/{Name}: {Action} held back: the node was not seen Ready in the last {LeaseSeconds} s")]
    private static partial void LogStartDeferred(ILogger logger, string @namespace, string name, string action, double leaseSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Namespace}/{Name}: {Action} failed: {Error}")]
    private static partial void LogActionFailed(ILogger logger, string @namespace, string name, string action, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Namespace}/{Name}: stopped: {How}")]
    private static partial void LogStopped(ILogger logger, string @namespace, string name, string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Namespace}/{Name}: graceful stop ended early: the VM was deleted")]
    private static partial void LogStopInterrupted(ILogger logger, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Namespace}/{Name}: reported {State} {Reason}; accepted {Accepted} {AckReason}")]
    private static partial void LogReported(ILogger logger, string @namespace, string name, string state, string reason, bool accepted, string ackReason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Namespace}/{Name}: report failed: {Error}")]
    private static partial void LogReportFailed(ILogger logger, string @namespace, string name, string error);
}
