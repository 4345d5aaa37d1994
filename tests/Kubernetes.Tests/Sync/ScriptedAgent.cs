using System.Collections.Immutable;
using Orleans.Streams;
using Orvirt.Interfaces;

namespace Orvirt.Kubernetes.Tests.Sync;

/// <summary>
/// Stands in for the node agent: subscribes to its node's stream like the real one and reports at once that libvirt
/// did what was asked (Running, Paused, Shutoff, Absent). The CRD sync tests are about the API server side.
/// </summary>
internal sealed class ScriptedAgent : IAsyncDisposable
{
    private readonly IClusterClient _client;
    private StreamSubscriptionHandle<VmDesired>? _subscription;

    private ScriptedAgent(IClusterClient client, string node)
    {
        _client = client;
        Node = node;
    }

    public string Node { get; }

    public static async Task<ScriptedAgent> StartAsync(IClusterClient client, string node)
    {
        var agent = new ScriptedAgent(client, node);
        var instance = Guid.NewGuid().ToString();
        agent._subscription = await client.GetStreamProvider(OrvirtNames.StreamProvider)
            .GetStream<VmDesired>(StreamId.Create(OrvirtNames.NodeStreamNamespace, node))
            .SubscribeAsync((desired, _) => agent.ReportAsync(desired));
        await client.GetGrain<INodeGrain>(node).RegisterAsync(new NodeRegistration
        {
            Name = node,
            Allocatable = new NodeResources { Vcpus = 64, MemoryBytes = 64L << 30 },
            Labels = ImmutableDictionary<string, string>.Empty,
            Hypervisor = HypervisorKind.Test,
            PodRuntime = "test",
            AgentInstanceId = instance,
            AgentVersion = "test",
        });
        return agent;
    }

    private async Task ReportAsync(VmDesired desired)
    {
        var state = desired.Power switch
        {
            DesiredPower.Running => DomainState.Running,
            DesiredPower.Paused => DomainState.Paused,
            DesiredPower.Stopped => DomainState.Shutoff,
            _ => DomainState.Absent,
        };
        await _client.GetGrain<IVirtualMachineGrain>(desired.Id.Key).ReportObservedAsync(new VmObserved
        {
            Namespace = desired.Namespace,
            Name = desired.Name,
            Uid = desired.Uid,
            InstanceId = desired.InstanceId,
            Node = Node,
            Epoch = desired.Epoch,
            State = state,
            ObservedGeneration = desired.Generation,
            Hypervisor = HypervisorKind.Test,
            ObservedAt = DateTimeOffset.UtcNow,
            DesiredSequence = desired.Sequence,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_subscription is { } subscription)
        {
            await subscription.UnsubscribeAsync();
        }
    }
}
