using System.Collections.Concurrent;
using System.Collections.Immutable;
using Orleans.Streams;
using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

/// <summary>
/// A scripted stand-in for the node agent: subscribes to its node's stream from the client exactly like the
/// real agent, registers the node, heartbeats and reports what the test says libvirt observed.
/// </summary>
public sealed class FakeAgent : IAsyncDisposable
{
    private readonly IClusterClient _client;
    private readonly ConcurrentQueue<VmDesired> _received = new();
    private StreamSubscriptionHandle<VmDesired>? _subscription;
    private CancellationTokenSource? _heartbeating;
    private Task _heartbeatLoop = Task.CompletedTask;

    private FakeAgent(IClusterClient client, string node)
    {
        _client = client;
        Node = node;
    }

    /// <summary>The node's name.</summary>
    public string Node { get; }

    /// <summary>New for this agent "process".</summary>
    public string AgentInstanceId { get; } = Guid.NewGuid().ToString();

    /// <summary>Every desired state received on the node stream, in arrival order.</summary>
    public IReadOnlyList<VmDesired> Received => [.. _received];

    /// <summary>Subscribes to the node stream, then registers the node.</summary>
    public static async Task<FakeAgent> StartAsync(IClusterClient client, string node, NodeResources allocatable, ImmutableDictionary<string, string> labels)
    {
        var agent = new FakeAgent(client, node);
        agent._subscription = await client.GetStreamProvider(OrvirtNames.StreamProvider)
            .GetStream<VmDesired>(StreamId.Create(OrvirtNames.NodeStreamNamespace, node))
            .SubscribeAsync((desired, _) =>
            {
                agent._received.Enqueue(desired);
                return Task.CompletedTask;
            });
        await client.GetGrain<INodeGrain>(node).RegisterAsync(new NodeRegistration
        {
            Name = node,
            Allocatable = allocatable,
            Labels = labels,
            Hypervisor = HypervisorKind.Test,
            PodRuntime = "test",
            AgentInstanceId = agent.AgentInstanceId,
            AgentVersion = "test",
        });
        return agent;
    }

    /// <summary>Sends a heartbeat.</summary>
    public Task<NodeInfo> HeartbeatAsync() => _client.GetGrain<INodeGrain>(Node).HeartbeatAsync(AgentInstanceId);

    /// <summary>The node as the answer to the last background heartbeat showed it.</summary>
    public NodeInfo? LastHeartbeatAnswer { get; private set; }

    /// <summary>
    /// Heartbeats every <paramref name="period"/> in the background, as a live agent does, until
    /// <see cref="StopHeartbeatingAsync"/> or dispose (at most for <paramref name="period"/> x 10,000).
    /// </summary>
    public void StartHeartbeating(TimeSpan period)
    {
        if (_heartbeating is not null)
        {
            throw new InvalidOperationException($"agent {Node} already heartbeats");
        }
        _heartbeating = new CancellationTokenSource(period * 10_000);
        var stop = _heartbeating.Token;
        _heartbeatLoop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(period);
            try
            {
                do
                {
                    LastHeartbeatAnswer = await HeartbeatAsync();
                }
                while (await timer.WaitForNextTickAsync(stop));
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Stopped, as a SIGSTOPped or killed agent stops.
            }
        });
    }

    /// <summary>Stops the background heartbeats (the agent "freezes"); rethrows what the loop failed with.</summary>
    public async Task StopHeartbeatingAsync()
    {
        if (_heartbeating is { } heartbeating)
        {
            await heartbeating.CancelAsync();
            try
            {
                await _heartbeatLoop;
            }
            finally
            {
                heartbeating.Dispose();
                _heartbeating = null;
            }
        }
    }

    /// <summary>Registers the node again with this agent's instance id, as the agent does when it comes back.</summary>
    public Task<NodeInfo> RegisterAgainAsync(NodeInfo known) => _client.GetGrain<INodeGrain>(Node).RegisterAsync(new NodeRegistration
    {
        Name = Node,
        Allocatable = known.Allocatable,
        Labels = known.Labels,
        Hypervisor = HypervisorKind.Test,
        PodRuntime = "test",
        AgentInstanceId = AgentInstanceId,
        AgentVersion = "test",
    });

    /// <summary>Tells the control plane that this fenced agent destroyed everything no longer assigned to it.</summary>
    public Task<NodeInfo> ConfirmFencedCleanupAsync(long epoch) => _client.GetGrain<INodeGrain>(Node).ConfirmFencedCleanupAsync(AgentInstanceId, epoch);

    /// <summary>Waits until a desired state for <paramref name="vm"/> satisfying <paramref name="predicate"/> arrived on the stream.</summary>
    public async Task<VmDesired> WaitForDesiredAsync(VmId vm, Func<VmDesired, bool> predicate, string expectation)
    {
        var seen = await Eventually.UntilAsync(
            () => Task.FromResult(Received.Where(d => d.Id == vm).ToList()),
            list => list.Any(predicate),
            $"node stream '{Node}' for VM {vm}: expected {expectation}",
            list => list.Count == 0 ? "nothing received" : string.Join(" | ", list.Select(d => $"seq={d.Sequence} gen={d.Generation} power={d.Power} instance={d.InstanceId}")));
        return seen.Last(predicate);
    }

    /// <summary>Reports an observation for the run <paramref name="desired"/> describes.</summary>
    public Task<ReportAck> ReportAsync(VmDesired desired, DomainState state, string reason = "", string message = "") =>
        _client.GetGrain<IVirtualMachineGrain>(desired.Id.Key).ReportObservedAsync(new VmObserved
        {
            Namespace = desired.Namespace,
            Name = desired.Name,
            Uid = desired.Uid,
            InstanceId = desired.InstanceId,
            Node = Node,
            Epoch = desired.Epoch,
            State = state,
            Reason = reason,
            Message = message,
            ObservedGeneration = desired.Generation,
            Hypervisor = HypervisorKind.Test,
            ObservedAt = DateTimeOffset.UtcNow,
            DesiredSequence = desired.Sequence,
        });

    /// <summary>Stops heartbeating and unsubscribes from the node stream.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopHeartbeatingAsync();
        if (_subscription is { } subscription)
        {
            await subscription.UnsubscribeAsync();
        }
    }
}
