using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>
/// One node, keyed by its name: the agent's registration and heartbeats, Ready/NotReady from missed heartbeats,
/// and the capacity reservations of the VMs assigned to it. Every change is upserted into the node directory.
/// </summary>
public sealed partial class NodeGrain(
    [PersistentState("node", OrvirtNames.GrainStorage)] IPersistentState<NodeState> state,
    IOptions<VmControllerOptions> options,
    TimeProvider time,
    ILogger<NodeGrain> logger) : Grain, INodeGrain
{
    private readonly VmControllerOptions _options = options.Value;
    private IGrainTimer? _heartbeatCheck;

    private NodeState S => state.State;

    private string Name => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Registration is not null)
        {
            StartHeartbeatCheck();
        }
        return Task.CompletedTask;
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
        else if (S.Fenced)
        {
            // A fenced node comes back under a new epoch; its agent destroys what is no longer assigned to it.
            S.Epoch++;
            S.Fenced = false;
        }
        S.Registration = registration;
        S.LastHeartbeat = time.GetUtcNow();
        S.Ready = true;
        S.Reason = "AgentReady";
        LogRegistered(Name, registration.AgentInstanceId, S.Epoch, restarted, S.Assignments.Count);
        await state.WriteStateAsync();
        StartHeartbeatCheck();
        var info = Info();
        await Directory.UpsertAsync(info);
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
            S.Reason = "AgentReady";
            LogReadinessChanged(Name, true, S.Reason);
            await state.WriteStateAsync();
        }
        var info = Info();
        await Directory.UpsertAsync(info);
        return info;
    }

    /// <inheritdoc />
    public Task<NodeInfo> GetInfoAsync() => Task.FromResult(Info());

    /// <inheritdoc />
    public async Task<ImmutableArray<VmDesired>> GetAssignmentsAsync()
    {
        var keys = S.Assignments.Keys.Order(StringComparer.Ordinal).ToList();
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
        if (S.Assignments.ContainsKey(vm.Key))
        {
            return new ReservationResult { Reserved = true, Epoch = S.Epoch };
        }
        if (RefusalReason(need, nodeSelector) is { } reason)
        {
            return new ReservationResult { Reserved = false, Epoch = S.Epoch, Reason = reason };
        }
        S.Assignments[vm.Key] = need;
        await state.WriteStateAsync();
        LogReserved(Name, vm.Namespace, vm.Name, need.Vcpus, need.MemoryBytes);
        await Directory.UpsertAsync(Info());
        return new ReservationResult { Reserved = true, Epoch = S.Epoch };
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(VmId vm)
    {
        if (!S.Assignments.Remove(vm.Key))
        {
            return;
        }
        await state.WriteStateAsync();
        LogReleased(Name, vm.Namespace, vm.Name);
        await Directory.UpsertAsync(Info());
    }

    private string? RefusalReason(NodeResources need, ImmutableDictionary<string, string> nodeSelector)
    {
        if (S.Registration is not { } registration)
        {
            return $"node {Name} is not registered";
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

    private NodeResources Allocated() => S.Assignments.Values.Aggregate(NodeResources.Zero, (sum, r) => sum.Add(r));

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
        VmCount = S.Assignments.Count,
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
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(50).Ticks, _options.NodeHeartbeatTimeout.Ticks / 3));
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
        if (!S.Ready || S.LastHeartbeat is not { } last || time.GetUtcNow() - last <= _options.NodeHeartbeatTimeout)
        {
            return;
        }
        S.Ready = false;
        S.Reason = "HeartbeatMissed";
        LogReadinessChanged(Name, false, S.Reason);
        await state.WriteStateAsync();
        await Directory.UpsertAsync(Info());
        await FenceAfterGracePeriodAsync();
    }

    /// <summary>
    /// Hook for fencing (a later issue): after a grace period a NotReady node is fenced (<see cref="NodeState.Fenced"/>,
    /// epoch bumped on return) and each assigned VM gets <see cref="IVirtualMachineGrain.NodeLostAsync"/>. Not built yet.
    /// </summary>
    private static Task FenceAfterGracePeriodAsync() => Task.CompletedTask;

    private INodeDirectoryGrain Directory => GrainFactory.GetGrain<INodeDirectoryGrain>(GrainKeys.NodeDirectory);
}
