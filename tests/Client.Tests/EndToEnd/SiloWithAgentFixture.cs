using Orvirt.Api.V1;
using Orvirt.Client.Connection;
using Orvirt.Testing;

namespace Orvirt.Client.Tests.EndToEnd;

/// <summary>A real silo and a real node agent on libvirt's test driver, so that VMs really run; cleaned up after the collection.</summary>
public sealed class SiloWithAgentFixture : IAsyncLifetime
{
    private SiloProcess? _silo;
    private AgentProcess? _agent;

    public Uri Server => _silo?.GrpcAddress ?? throw new InvalidOperationException("the silo is not started");

    public string Node => _agent?.Node ?? throw new InvalidOperationException("the agent is not started");

    /// <summary>What both processes logged, for failure messages.</summary>
    public string Output => $"--- silo ---\n{_silo?.Output}\n--- agent ---\n{_agent?.Output}";

    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync();
        _agent = AgentProcess.Start(new AgentProcessOptions { GatewayPort = _silo.GatewayPort, Runtime = "test", Vcpus = 64, MemoryBytes = 64L << 30 });
        using var conn = OrvirtConnection.Create(_silo.GrpcAddress);
        await Eventually.MatchAsync(
            async () => (await conn.Nodes.ListAsync(new ListNodesRequest())).Items.FirstOrDefault(n => n.Name == _agent.Node),
            n => n is { Ready: true },
            $"node {_agent.Node} Ready (agent output:\n{_agent.Output})",
            TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }
}
