using System.Net.Http.Json;
using System.Text.Json;
using Orvirt.Testing;

namespace Orvirt.Web.Tests;

/// <summary>A real silo and one real node agent (test driver) connected to it; the node is Ready when this is.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>The node the agent registers.</summary>
    public const string NodeName = "web-node";

    /// <summary>vCPUs the node offers; a VM asking for more stays Pending.</summary>
    public const int NodeVcpus = 4;

    private SiloProcess? _silo;
    private AgentProcess? _agent;

    public SiloProcess Silo => _silo ?? throw new InvalidOperationException("the fixture has not started");

    public AgentProcess Agent => _agent ?? throw new InvalidOperationException("the fixture has not started");

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync();
        _agent = AgentProcess.Start(new AgentProcessOptions
        {
            GatewayPort = _silo.GatewayPort,
            Node = NodeName,
            Runtime = "test",
            Vcpus = NodeVcpus,
            MemoryBytes = 8L << 30,
        });
        await Eventually.MatchAsync(
            async () => await Http.GetFromJsonAsync<JsonElement>(new Uri(_silo.HttpAddress, "/api/nodes")),
            nodes => nodes.EnumerateArray().Any(n => n.GetProperty("name").GetString() == NodeName && n.GetProperty("ready").GetBoolean()),
            $"node {NodeName} to be Ready in /api/nodes (agent output: {_agent.Output})",
            TimeSpan.FromSeconds(60));
    }

    /// <summary>Runs the orvirt CLI against the silo; fails with its output when the exit code is not 0.</summary>
    public async Task<string> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Orvirt.Cli.CliApp.RunAsync([.. args, "--server", Silo.GrpcAddress.ToString()], output, error);
        Assert.True(code == 0, $"orvirt {string.Join(' ', args)} exited with {code}: {output}{error}");
        return output.ToString();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
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
