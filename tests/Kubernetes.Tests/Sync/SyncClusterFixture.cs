using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using Orvirt.Grains;
using Orvirt.Interfaces;

namespace Orvirt.Kubernetes.Tests.Sync;

/// <summary>One in-process Orleans cluster with the real grains and a scripted agent on node <c>node1</c>, shared by the sync tests.</summary>
public sealed class SyncClusterFixture : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;
    private ScriptedAgent? _agent;
    private int _namespaces;

    public IClusterClient Client => _cluster?.Client ?? throw new InvalidOperationException("the cluster is not started");

    /// <summary>A namespace no other test uses, so that tests sharing the cluster do not see each other's VMs.</summary>
    public string NewNamespace() => $"t{Interlocked.Increment(ref _namespaces)}-{Guid.NewGuid().ToString("N")[..6]}";

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orvirt:Controller:NodeHeartbeatTimeout"] = "00:10:00",
        }).Build();
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(OrvirtNames.GrainStorage);
            silo.AddMemoryGrainStorage(OrvirtNames.PubSubStore);
            silo.AddMemoryStreams(OrvirtNames.StreamProvider);
            silo.Services.AddOrvirtGrains(configuration);
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(OrvirtNames.StreamProvider));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        _agent = await ScriptedAgent.StartAsync(Client, "node1");
    }

    public async Task DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
        if (_cluster is { } cluster)
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }
}
