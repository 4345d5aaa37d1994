using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>
/// All nodes and the VMs waiting for one; the scheduler. Reentrant so that node grains can upsert while a
/// reservation is under way (the reservation itself is atomic on the node grain); writes go through a
/// <see cref="CoalescingStateWriter"/>. A watchdog timer activates the grain of every node whose last heartbeat is
/// older than the heartbeat timeout, so that a node whose agent died is still found NotReady and fenced after its
/// grain's activation was lost (a silo crash or restart).
/// </summary>
[Reentrant]
public sealed partial class NodeDirectoryGrain : Grain, INodeDirectoryGrain
{
    private readonly IPersistentState<NodeDirectoryState> _state;
    private readonly ILogger<NodeDirectoryGrain> _logger;
    private readonly CoalescingStateWriter _writer;
    private readonly VmControllerOptions _options;
    private readonly TimeProvider _time;
    private IGrainTimer? _wakeTimer;

    /// <summary>Creates the grain with its persisted state.</summary>
    public NodeDirectoryGrain(
        [PersistentState("directory", OrvirtNames.GrainStorage)] IPersistentState<NodeDirectoryState> state,
        IOptions<VmControllerOptions> options,
        TimeProvider time,
        ILogger<NodeDirectoryGrain> logger)
    {
        _state = state;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _writer = new CoalescingStateWriter(() => _state.WriteStateAsync());
    }

    private NodeDirectoryState S => _state.State;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(WatchSilentNodesAsync, new GrainTimerCreationOptions
        {
            DueTime = _options.NodeHeartbeatTimeout,
            Period = _options.NodeHeartbeatTimeout,
            Interleave = true,
            KeepAlive = false,
        });
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task UpsertAsync(NodeInfo node)
    {
        S.Nodes.TryGetValue(node.Name, out var previous);
        S.Nodes[node.Name] = node;
        // Every agent heartbeat arrives here; when it changed nothing but LastHeartbeat the new time stays in memory
        // and is not written (a write per node every 2 s, each of the whole directory). A stale stored heartbeat after
        // a restart only makes WatchSilentNodesAsync activate that node's grain once, which checks liveness itself.
        if (previous is null || !OnlyHeartbeatChanged(previous, node))
        {
            await _writer.WriteAsync();
        }
        var gotBetter = node.Ready && (previous is null || !previous.Ready
            || node.Free.Vcpus > previous.Free.Vcpus || node.Free.MemoryBytes > previous.Free.MemoryBytes
            || !SameLabels(previous.Labels, node.Labels));
        if (gotBetter && S.Waiting.Count > 0)
        {
            WakeWaitingVms();
        }
    }

    /// <inheritdoc />
    public Task<ImmutableArray<NodeInfo>> ListAsync() =>
        Task.FromResult(S.Nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal).ToImmutableArray());

    /// <inheritdoc />
    public async Task<ScheduleResult> ScheduleAsync(VmId vm, NodeResources need, ImmutableDictionary<string, string> nodeSelector)
    {
        var all = S.Nodes.Values.Where(n => n.Registered).ToList();
        var ready = all.Where(n => n.Ready && !n.Fenced).ToList();
        var matching = ready.Where(n => nodeSelector.All(kv => n.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value)).ToList();
        var fitting = matching.Where(n => n.Free.Fits(need))
            .OrderByDescending(n => FreeShareAfter(n, need))
            .ThenBy(n => n.Name, StringComparer.Ordinal)
            .ToList();
        string reason;
        if (all.Count == 0)
        {
            reason = "no Ready node: 0 nodes registered";
        }
        else if (ready.Count == 0)
        {
            reason = $"no Ready node: 0/{all.Count} nodes Ready";
        }
        else if (matching.Count == 0)
        {
            reason = $"0/{ready.Count} nodes match nodeSelector {FormatSelector(nodeSelector)}";
        }
        else if (fitting.Count == 0)
        {
            reason = $"0/{matching.Count} nodes have room: {Shortage(matching, need)} (need {need.Vcpus} vCPUs, {Quantity.FormatBytes(need.MemoryBytes)})";
        }
        else
        {
            var refusals = new List<string>();
            foreach (var node in fitting)
            {
                var result = await GrainFactory.GetGrain<INodeGrain>(node.Name).TryReserveAsync(vm, need, nodeSelector);
                if (result.Reserved)
                {
                    if (S.Waiting.Remove(vm.Key))
                    {
                        await _writer.WriteAsync();
                    }
                    LogPlaced(vm.Namespace, vm.Name, node.Name);
                    return new ScheduleResult { Node = node.Name, Epoch = result.Epoch };
                }
                refusals.Add(result.Reason);
            }
            reason = $"0/{fitting.Count} nodes accepted the reservation: {string.Join("; ", refusals)}";
        }
        if (S.Waiting.Add(vm.Key))
        {
            await _writer.WriteAsync();
        }
        return new ScheduleResult { Reason = reason };
    }

    /// <inheritdoc />
    public async Task StopWaitingAsync(VmId vm)
    {
        if (S.Waiting.Remove(vm.Key))
        {
            await _writer.WriteAsync();
        }
    }

    /// <summary>Formats a node selector for messages, e.g. <c>{disk=ssd,zone=a}</c>.</summary>
    public static string FormatSelector(IReadOnlyDictionary<string, string> selector) =>
        "{" + string.Join(",", selector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")) + "}";

    private void WakeWaitingVms()
    {
        if (_wakeTimer is not null)
        {
            return;
        }
        // Runs after the node's call returned, so that the VMs' reservations on that node cannot deadlock with it.
        _wakeTimer = this.RegisterGrainTimer(RetryWaitingAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = Timeout.InfiniteTimeSpan,
            Interleave = true,
            KeepAlive = true,
        });
    }

    /// <summary>
    /// Touches the grain of every registered node that has not heartbeated for the heartbeat timeout. An active node
    /// grain checks its own heartbeats; this only brings back one whose activation was lost with its silo.
    /// </summary>
    private async Task WatchSilentNodesAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var silent = S.Nodes.Values
            .Where(n => n.Registered && (n.LastHeartbeat is not { } last || now - last > _options.NodeHeartbeatTimeout))
            .Select(n => n.Name)
            .ToList();
        foreach (var name in silent)
        {
            try
            {
                await GrainFactory.GetGrain<INodeGrain>(name).GetInfoAsync().WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next tick tries again.
                LogWatchFailed(name, ex);
            }
        }
    }

    private async Task RetryWaitingAsync(CancellationToken cancellationToken)
    {
        _wakeTimer?.Dispose();
        _wakeTimer = null;
        foreach (var key in S.Waiting.Order(StringComparer.Ordinal).ToList())
        {
            try
            {
                await GrainFactory.GetGrain<IVirtualMachineGrain>(key).RetrySchedulingAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One VM that cannot be reached must not keep the others waiting; it is retried on the next wake.
                var id = VmId.Parse(key);
                LogRetryFailed(id.Namespace, id.Name, ex);
            }
        }
    }

    private static double FreeShareAfter(NodeInfo node, NodeResources need)
    {
        static double Share(double free, double total) => total <= 0 ? 0 : free / total;
        var cpu = Share(node.Free.Vcpus - need.Vcpus, node.Allocatable.Vcpus);
        var memory = Share(node.Free.MemoryBytes - need.MemoryBytes, node.Allocatable.MemoryBytes);
        return (cpu + memory) / 2;
    }

    private static string Shortage(List<NodeInfo> nodes, NodeResources need)
    {
        var cpu = nodes.Count(n => n.Free.Vcpus < need.Vcpus);
        var memory = nodes.Count(n => n.Free.MemoryBytes < need.MemoryBytes);
        var parts = new List<string>();
        if (cpu > 0)
        {
            parts.Add($"insufficient cpu on {cpu} node{(cpu == 1 ? "" : "s")}");
        }
        if (memory > 0)
        {
            parts.Add($"insufficient memory on {memory} node{(memory == 1 ? "" : "s")}");
        }
        return string.Join(", ", parts);
    }

    private static bool OnlyHeartbeatChanged(NodeInfo previous, NodeInfo node) =>
        SameLabels(previous.Labels, node.Labels)
        && previous with { LastHeartbeat = null, Labels = node.Labels } == node with { LastHeartbeat = null };

    private static bool SameLabels(ImmutableDictionary<string, string> a, ImmutableDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
