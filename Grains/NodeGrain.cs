using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Serialization.Invocation;
using Orleans.Storage;
using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>
/// One node, keyed by its name: the agent's registration and heartbeats, Ready/NotReady from missed heartbeats,
/// and the capacity reservations of the VMs assigned to it. Every change is upserted into the node directory.
/// A node NotReady for longer than <see cref="VmControllerOptions.FenceGracePeriod"/> is fenced: its epoch rises,
/// its reservations are released and each of its VMs gets <see cref="IVirtualMachineGrain.NodeLostAsync"/>. It stays
/// fenced (not Ready, refusing reservations) until its agent confirms that it destroyed what is no longer assigned
/// to it (<see cref="ConfirmFencedCleanupAsync"/>).
/// </summary>
/// <remarks>
/// <para>
/// The grain never waits on a VM grain in a turn that changes state: VM grains call it (release, reserve through the
/// directory), so the VMs of a fenced node are told from an interleaving timer that only makes calls, and what it
/// delivered is forgotten from the persisted state by the next heartbeat check.
/// </para>
/// <para>
/// Reservations and releases interleave (<see cref="ReservationsInterleave"/>), with each other and with every other
/// turn, so that those of many VMs share writes: every request and timer checks and changes the state before its
/// first await (a reservation's check of free capacity and its assignment are one synchronous step, so reservations
/// stay atomic), then waits for a write that includes its change (<see cref="CoalescingStateWriter"/>: writes never
/// overlap, and changes made while one is under way are stored by the next), then for the directory to
/// hold a view of the node that includes it (the directory upserts are serialized the same way, each sending the
/// node as it is when it is sent, so the directory never receives an older view after a newer one). Every other
/// request and the timers do not interleave with each other, so that, as before, a caller that sees a change in
/// <see cref="GetInfoAsync"/> finds it in the directory too.
/// </para>
/// </remarks>
[MayInterleave(nameof(ReservationsInterleave))]
public sealed partial class NodeGrain(
    [PersistentState("node", OrvirtNames.GrainStorage)] IPersistentState<NodeState> state,
    IOptions<VmControllerOptions> options,
    TimeProvider time,
    ILogger<NodeGrain> logger) : Grain, INodeGrain
{
    /// <summary><see cref="NodeInfo.Reason"/> of a node whose agent heartbeats.</summary>
    public const string ReasonAgentReady = "AgentReady";
    /// <summary><see cref="NodeInfo.Reason"/> of a node that missed heartbeats and is not fenced yet.</summary>
    public const string ReasonHeartbeatMissed = "HeartbeatMissed";
    /// <summary><see cref="NodeInfo.Reason"/> of a fenced node, and the reason its VMs are told.</summary>
    public const string ReasonFenced = "Fenced";
    private const int NodeLostParallelism = 32;
    private readonly VmControllerOptions _options = options.Value;
    private readonly HashSet<(string Key, long Epoch)> _nodeLostDelivered = [];
    private readonly CoalescingStateWriter _writer = new(() => state.WriteStateAsync());
    private CoalescingStateWriter? _publisher;
    private NodeAssignments? _assignments;
    private IGrainTimer? _heartbeatCheck;
    private IGrainTimer? _nodeLostNotifier;
    private bool _notifying;
    private DateTimeOffset _activatedAt;

    private NodeState S => state.State;

    private NodeAssignments Assignments => _assignments ?? throw new InvalidOperationException($"node '{Name}' used before its activation loaded its assignments");

    private string Name => this.GetPrimaryKeyString();

    /// <summary>True for the requests that may interleave with any turn: <see cref="TryReserveAsync"/> and <see cref="ReleaseAsync"/>.</summary>
    public static bool ReservationsInterleave(IInvokable request) =>
        request.GetMethodName() is nameof(TryReserveAsync) or nameof(ReleaseAsync) or "TryReserve" or "Release";

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Heartbeats are not persisted one by one: a new activation gives the agent a whole timeout from now.
        _activatedAt = time.GetUtcNow();
        _assignments = new NodeAssignments(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(OrvirtNames.GrainStorage), this.GetGrainId());
        await _assignments.LoadAsync();
        if (S.Assignments.Count > 0)
        {
            // Kept in the node's own state by earlier versions: moved into the buckets (again, after a crash in between).
            var legacy = S.Assignments.Count;
            await _assignments.SetManyAsync(S.Assignments);
            S.Assignments.Clear();
            await _writer.WriteAsync();
            LogAssignmentsMoved(Name, legacy, NodeAssignments.BucketCount);
        }
        if (S.Fenced && _assignments.Count > 0)
        {
            // A fence stores the node (fenced, every VM to tell) before it empties the buckets; a crash in between leaves these.
            await _assignments.WriteBucketsAsync(_assignments.Forget());
        }
        if (S.Registration is not null)
        {
            StartHeartbeatCheck();
        }
        if (S.PendingNodeLost.Count > 0)
        {
            StartNodeLostNotifier();
        }
    }

    /// <inheritdoc />
    public async Task<NodeInfo> RegisterAsync(NodeRegistration registration)
    {
        if (registration.Name != Name)
        {
            throw new ArgumentException($"registration names node '{registration.Name}' but was sent to node '{Name}'; register with the node's own name", nameof(registration));
        }
        if (registration.Allocatable.Vcpus < 0 || registration.Allocatable.MemoryBytes < 0)
        {
            throw new ArgumentException($"registration.Allocatable ({registration.Allocatable.Vcpus} vCPUs, {registration.Allocatable.MemoryBytes} bytes) is negative; report what VMs on node '{Name}' may use, e.g. the host's CPUs and memory minus a reserve", nameof(registration));
        }
        if (string.IsNullOrEmpty(registration.AgentInstanceId))
        {
            throw new ArgumentException("registration.AgentInstanceId is empty; give every agent process a new id, e.g. a GUID", nameof(registration));
        }
        var restarted = S.Registration is { } previous && previous.AgentInstanceId != registration.AgentInstanceId;
        if (S.Registration is null)
        {
            S.Epoch = 1;
        }
        S.Registration = registration;
        S.LastHeartbeat = time.GetUtcNow();
        if (!S.Fenced)
        {
            // A fenced node stays fenced across a new agent process: only the cleanup confirmation unfences it.
            S.Ready = true;
            S.Reason = ReasonAgentReady;
            S.NotReadySince = null;
        }
        LogRegistered(Name, registration.AgentInstanceId, S.Epoch, restarted, Assignments.Count);
        if (S.Fenced)
        {
            LogFencedAgentBack(Name, registration.AgentInstanceId, S.Epoch);
        }
        await _writer.WriteAsync();
        StartHeartbeatCheck();
        var info = Info();
        await PublishAsync();
        return info;
    }

    /// <inheritdoc />
    public async Task<NodeInfo> HeartbeatAsync(string agentInstanceId)
    {
        if (S.Registration is null)
        {
            throw new InvalidOperationException($"node '{Name}' is not registered; call RegisterAsync before sending heartbeats");
        }
        if (S.Registration.AgentInstanceId != agentInstanceId)
        {
            throw new InvalidOperationException($"agent instance '{agentInstanceId}' is not the one registered for node '{Name}' ('{S.Registration.AgentInstanceId}'); register again");
        }
        S.LastHeartbeat = time.GetUtcNow();
        if (!S.Ready && !S.Fenced)
        {
            S.Ready = true;
            S.Reason = ReasonAgentReady;
            S.NotReadySince = null;
            LogReadinessChanged(Name, true, S.Reason);
            await _writer.WriteAsync();
        }
        var info = Info();
        await PublishAsync();
        return info;
    }

    /// <inheritdoc />
    public async Task<NodeInfo> ConfirmFencedCleanupAsync(string agentInstanceId, long epoch)
    {
        if (S.Registration is null)
        {
            throw new InvalidOperationException($"node '{Name}' is not registered; call RegisterAsync first");
        }
        if (S.Registration.AgentInstanceId != agentInstanceId)
        {
            throw new InvalidOperationException($"agent instance '{agentInstanceId}' is not the one registered for node '{Name}' ('{S.Registration.AgentInstanceId}'); register again");
        }
        if (!S.Fenced)
        {
            if (epoch > S.Epoch)
            {
                throw new ArgumentException($"epoch {epoch} is newer than the epoch of node '{Name}' ({S.Epoch}); pass the Epoch of the NodeInfo that said Fenced", nameof(epoch));
            }
            return Info();
        }
        if (epoch != S.Epoch)
        {
            throw new ArgumentException($"epoch {epoch} is not the epoch node '{Name}' was fenced at ({S.Epoch}); fetch GetAssignmentsAsync again, destroy what it does not list, and confirm with the Epoch of the latest NodeInfo", nameof(epoch));
        }
        var changed = ForgetDeliveredNodeLost();
        if (S.PendingNodeLost.Count > 0)
        {
            // Its VMs are still being failed over; a VM not yet told could still send this node its old run.
            LogConfirmDeferred(Name, epoch, S.PendingNodeLost.Count);
            StartNodeLostNotifier();
            if (changed)
            {
                await _writer.WriteAsync();
            }
            return Info();
        }
        S.Fenced = false;
        // New assignments carry an epoch above the fence's, so that nothing sent for the fenced epoch matches them.
        S.Epoch++;
        S.Ready = true;
        S.Reason = ReasonAgentReady;
        S.NotReadySince = null;
        S.FencedAt = null;
        S.LastHeartbeat = time.GetUtcNow();
        await _writer.WriteAsync();
        LogUnfenced(Name, agentInstanceId, S.Epoch);
        var info = Info();
        await PublishAsync();
        return info;
    }

    /// <inheritdoc />
    public Task<NodeInfo> GetInfoAsync() => Task.FromResult(Info());

    /// <inheritdoc />
    public async Task<ImmutableArray<VmDesired>> GetAssignmentsAsync()
    {
        if (S.Fenced)
        {
            // Nothing is assigned to a fenced node: its agent destroys everything it has.
            return [];
        }
        var keys = Assignments.Keys.Order(StringComparer.Ordinal).ToList();
        var desired = await Task.WhenAll(keys.Select(key => GrainFactory.GetGrain<IVirtualMachineGrain>(key).GetDesiredAsync()));
        return [.. desired.Where(d => d is not null && d.Node == Name).Select(d => d!)];
    }

    /// <inheritdoc />
    public async Task<ReservationResult> TryReserveAsync(VmId vm, NodeResources need, ImmutableDictionary<string, string> nodeSelector)
    {
        if (need.Vcpus < 0 || need.MemoryBytes < 0)
        {
            throw new ArgumentException($"need ({need.Vcpus} vCPUs, {need.MemoryBytes} bytes) for VM {vm} is negative; reserve the VM's vCPUs and memory", nameof(need));
        }
        if (Assignments.Contains(vm.Key))
        {
            return new ReservationResult { Reserved = true, Epoch = S.Epoch };
        }
        if (RefusalReason(need, nodeSelector) is { } reason)
        {
            return new ReservationResult { Reserved = false, Epoch = S.Epoch, Reason = reason };
        }
        Assignments.Set(vm.Key, need);
        await Assignments.WriteAsync(vm.Key);
        LogReserved(Name, vm.Namespace, vm.Name, need.Vcpus, need.MemoryBytes);
        await PublishAsync();
        return new ReservationResult { Reserved = true, Epoch = S.Epoch };
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(VmId vm)
    {
        if (!Assignments.Remove(vm.Key))
        {
            return;
        }
        LogReleased(Name, vm.Namespace, vm.Name);
        // The bucket is stored and the directory told at once: a release only frees capacity, and the directory's view
        // only guides scheduling (this grain checks every reservation itself), so a directory that hears of it first
        // and a crash in between cost at most one refused reservation until the agent's next heartbeat corrects it.
        await Task.WhenAll(Assignments.WriteAsync(vm.Key), PublishAsync());
    }

    private string? RefusalReason(NodeResources need, ImmutableDictionary<string, string> nodeSelector)
    {
        if (S.Registration is not { } registration)
        {
            return $"node {Name} is not registered";
        }
        if (S.Fenced)
        {
            return $"node {Name} is fenced until its agent confirms that it removed the VMs moved away";
        }
        if (!S.Ready)
        {
            return $"node {Name} is not Ready ({S.Reason})";
        }
        var mismatch = nodeSelector.Where(kv => !registration.Labels.TryGetValue(kv.Key, out var v) || v != kv.Value).ToList();
        if (mismatch.Count > 0)
        {
            return $"node {Name} does not match nodeSelector {NodeDirectoryGrain.FormatSelector(nodeSelector)}";
        }
        var free = registration.Allocatable.Subtract(Allocated());
        var lacks = new List<string>();
        if (need.Vcpus > free.Vcpus)
        {
            lacks.Add($"insufficient cpu on node {Name} (need {need.Vcpus}, free {free.Vcpus})");
        }
        if (need.MemoryBytes > free.MemoryBytes)
        {
            lacks.Add($"insufficient memory on node {Name} (need {Quantity.FormatBytes(need.MemoryBytes)}, free {Quantity.FormatBytes(Math.Max(0, free.MemoryBytes))})");
        }
        return lacks.Count == 0 ? null : string.Join(", ", lacks);
    }

    private NodeResources Allocated() => Assignments.Allocated;

    /// <summary>Sends the node as it is now to the directory, after any upsert under way; returns once one that includes the caller's change arrived.</summary>
    private Task PublishAsync() => (_publisher ??= new CoalescingStateWriter(() => Directory.UpsertAsync(Info()))).WriteAsync();

    private NodeInfo Info() => new()
    {
        Name = Name,
        Ready = S.Ready,
        Reason = S.Reason,
        Allocatable = S.Registration?.Allocatable ?? NodeResources.Zero,
        Allocated = Allocated(),
        Labels = S.Registration?.Labels ?? ImmutableDictionary<string, string>.Empty,
        Hypervisor = S.Registration?.Hypervisor ?? HypervisorKind.Test,
        PodRuntime = S.Registration?.PodRuntime ?? "",
        LastHeartbeat = S.LastHeartbeat,
        VmCount = Assignments.Count,
        Fenced = S.Fenced,
        Epoch = S.Epoch,
        Registered = S.Registration is not null,
    };

    private void StartHeartbeatCheck()
    {
        if (_heartbeatCheck is not null)
        {
            return;
        }
        var shortest = Math.Min(_options.NodeHeartbeatTimeout.Ticks, _options.FenceGracePeriod.Ticks);
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(50).Ticks, shortest / 3));
        _heartbeatCheck = this.RegisterGrainTimer(CheckHeartbeatAsync, new GrainTimerCreationOptions
        {
            DueTime = period,
            Period = period,
            Interleave = false,
            KeepAlive = true,
        });
    }

    private async Task CheckHeartbeatAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var changed = ForgetDeliveredNodeLost();
        var wentNotReady = false;
        if (S.Ready && S.LastHeartbeat is { } last && now - Later(last, _activatedAt) > _options.NodeHeartbeatTimeout)
        {
            S.Ready = false;
            S.Reason = ReasonHeartbeatMissed;
            S.NotReadySince = now;
            LogReadinessChanged(Name, false, S.Reason);
            changed = wentNotReady = true;
        }
        // NotReady for missed heartbeats for the whole grace period: the agent is gone or cut off.
        var mustFence = !S.Ready && !S.Fenced && S.Registration is not null && S.Reason == ReasonHeartbeatMissed
            && S.NotReadySince is { } since && now - since >= _options.FenceGracePeriod;
        if (mustFence)
        {
            await FenceAsync(now);
            return;
        }
        if (changed)
        {
            await _writer.WriteAsync();
        }
        if (wentNotReady)
        {
            await PublishAsync();
        }
    }

    /// <summary>
    /// Fences the node: a new epoch, no reservations, not Ready until its agent confirms cleanup. The VMs it held are
    /// told by the notifier, after this turn, so that their calls back into this grain cannot deadlock with it.
    /// </summary>
    private async Task FenceAsync(DateTimeOffset now)
    {
        S.Epoch++;
        S.Fenced = true;
        S.Ready = false;
        S.Reason = ReasonFenced;
        S.FencedAt = now;
        foreach (var key in Assignments.Keys)
        {
            S.PendingNodeLost[key] = S.Epoch;
        }
        var released = Assignments.Count;
        var emptied = Assignments.Forget();
        // The node first (fenced, every VM to tell), then its buckets: a crash in between leaves buckets that the next
        // activation of a fenced node empties, never VMs that lost their reservation without being told.
        await _writer.WriteAsync();
        await Assignments.WriteBucketsAsync(emptied);
        LogFenced(Name, S.Epoch, now - (S.LastHeartbeat ?? now), released);
        await PublishAsync();
        StartNodeLostNotifier();
    }

    private void StartNodeLostNotifier()
    {
        if (_nodeLostNotifier is not null)
        {
            return;
        }
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, Math.Min(TimeSpan.FromSeconds(5).Ticks, _options.NodeHeartbeatTimeout.Ticks / 3)));
        // Interleaves: the VMs it calls call back (ReleaseAsync) while it waits for them. It only makes calls; what it
        // delivered is written by the heartbeat check, a non-interleaving turn.
        _nodeLostNotifier = this.RegisterGrainTimer(NotifyNodeLostAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = period,
            Interleave = true,
            KeepAlive = true,
        });
    }

    private async Task NotifyNodeLostAsync(CancellationToken cancellationToken)
    {
        if (_notifying)
        {
            return;
        }
        _notifying = true;
        try
        {
            var due = S.PendingNodeLost.Where(kv => !_nodeLostDelivered.Contains((kv.Key, kv.Value)))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
            foreach (var chunk in due.Chunk(NodeLostParallelism))
            {
                await Task.WhenAll(chunk.Select(kv => TellNodeLostAsync(kv.Key, kv.Value)));
            }
            if (S.PendingNodeLost.All(kv => _nodeLostDelivered.Contains((kv.Key, kv.Value))))
            {
                _nodeLostNotifier?.Dispose();
                _nodeLostNotifier = null;
            }
        }
        finally
        {
            _notifying = false;
        }
    }

    private async Task TellNodeLostAsync(string key, long epoch)
    {
        var id = VmId.Parse(key);
        try
        {
            await GrainFactory.GetGrain<IVirtualMachineGrain>(key).NodeLostAsync(Name, epoch, ReasonFenced);
            _nodeLostDelivered.Add((key, epoch));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // One VM that cannot be reached must not keep the others on a lost node; it is told on the next tick.
            LogNodeLostFailed(Name, id.Namespace, id.Name, ex);
        }
    }

    /// <summary>Drops the notifications already delivered from the persisted state; true when something was dropped.</summary>
    private bool ForgetDeliveredNodeLost()
    {
        var dropped = false;
        foreach (var (key, epoch) in _nodeLostDelivered)
        {
            if (S.PendingNodeLost.TryGetValue(key, out var pending) && pending == epoch)
            {
                S.PendingNodeLost.Remove(key);
                dropped = true;
            }
        }
        _nodeLostDelivered.Clear();
        return dropped;
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private INodeDirectoryGrain Directory => GrainFactory.GetGrain<INodeDirectoryGrain>(GrainKeys.NodeDirectory);
}
