using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.Streams;
using Orleans.TestingHost;
using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

/// <summary>
/// One in-process Orleans cluster per xunit collection: memory grain storage for "orvirt" and "PubSubStore",
/// memory streams for "orvirt" on silo and client, the Orvirt grains with a shrunk crash-loop backoff.
/// Also records every VmEvent the grains publish.
/// </summary>
public abstract class OrvirtClusterFixture : IAsyncLifetime
{
    /// <summary>First crash-loop delay in these tests.</summary>
    public static readonly TimeSpan BackoffBase = TimeSpan.FromSeconds(1);

    /// <summary>Crash-loop cap in these tests.</summary>
    public static readonly TimeSpan BackoffCap = TimeSpan.FromSeconds(2);

    private readonly ConcurrentQueue<VmEvent> _events = new();
    private InProcessTestCluster? _cluster;

    /// <summary>The cluster's client.</summary>
    public IClusterClient Client => _cluster?.Client ?? throw new InvalidOperationException("the cluster is not started");

    /// <summary>The services of the (single) silo, e.g. its grain storage.</summary>
    public IServiceProvider SiloServices => _cluster?.Silos[0].SiloHost.Services ?? throw new InvalidOperationException("the cluster is not started");

    /// <summary>Every VM event published so far, in arrival order.</summary>
    public IReadOnlyList<VmEvent> Events => [.. _events];

    /// <summary>How long a node may miss heartbeats in this cluster.</summary>
    public abstract TimeSpan NodeHeartbeatTimeout { get; }

    /// <summary>How long a node stays NotReady before it is fenced in this cluster.</summary>
    public virtual TimeSpan FenceGracePeriod => new VmControllerOptions().FenceGracePeriod;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orvirt:Controller:BackoffBase"] = BackoffBase.ToString(),
            ["Orvirt:Controller:BackoffCap"] = BackoffCap.ToString(),
            ["Orvirt:Controller:NodeHeartbeatTimeout"] = NodeHeartbeatTimeout.ToString(),
            ["Orvirt:Controller:FenceGracePeriod"] = FenceGracePeriod.ToString(),
        }).Build();
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            // Orleans' own serializer, as the silo's storages use: the default JSON one cannot read back immutable collections.
            silo.AddMemoryGrainStorage(OrvirtNames.GrainStorage, options => options.Configure<Serializer>((o, serializer) =>
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
            silo.AddMemoryGrainStorage(OrvirtNames.PubSubStore);
            silo.AddMemoryStreams(OrvirtNames.StreamProvider);
            silo.Services.AddOrvirtGrains(configuration);
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(OrvirtNames.StreamProvider));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        await Client.GetStreamProvider(OrvirtNames.StreamProvider)
            .GetStream<VmEvent>(StreamId.Create(OrvirtNames.VmEventStreamNamespace, OrvirtNames.VmEventStreamKey))
            .SubscribeAsync((e, _) =>
            {
                _events.Enqueue(e);
                return Task.CompletedTask;
            });
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_cluster is { } cluster)
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Waits until a VmEvent for <paramref name="id"/> satisfying <paramref name="predicate"/> arrived.</summary>
    public async Task<VmEvent> WaitForEventAsync(VmId id, Func<VmEvent, bool> predicate, string expectation)
    {
        var seen = await Eventually.UntilAsync(
            () => Task.FromResult(Events.Where(e => e.Vm.Id == id).ToList()),
            list => list.Any(predicate),
            $"VM event stream for {id}: expected {expectation}",
            list => string.Join(" | ", list.Select(e => $"{e.Type} rv={e.Vm.ResourceVersion} {e.Vm.Status.PrintableStatus}")));
        return seen.First(predicate);
    }

    /// <summary>The grain of a VM.</summary>
    public IVirtualMachineGrain Vm(VmId id) => Client.GetGrain<IVirtualMachineGrain>(id.Key);

    /// <summary>Starts a scripted agent for a node with its own label <c>suite=&lt;node&gt;</c>.</summary>
    public Task<FakeAgent> StartAgentAsync(string node, int vcpus = 8, long memoryBytes = 8L << 30) =>
        FakeAgent.StartAsync(Client, node, new NodeResources { Vcpus = vcpus, MemoryBytes = memoryBytes },
            System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("suite", node));
}
