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

    /// <summary>Unsubscribes from the node stream.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_subscription is { } subscription)
        {
            await subscription.UnsubscribeAsync();
        }
    }
}
