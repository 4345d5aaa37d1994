using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Orvirt.Api.V1;
using Orvirt.Interfaces;
using Orvirt.Testing;

namespace Orvirt.NodeAgent.Tests.EndToEnd;

/// <summary>The real agent process with <c>--metrics</c> against a real silo: VMs created through gRPC show in its <c>/metrics</c>.</summary>
public sealed class AgentMetricsTests : IAsyncLifetime
{
    private const int VmCount = 3;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private SiloProcess? _silo;
    private GrpcChannel? _channel;
    private AgentProcess? _agent;
    private int _metricsPort;

    public async Task InitializeAsync()
    {
        try
        {
            _silo = await SiloProcess.StartAsync();
            _channel = _silo.CreateChannel();
            _metricsPort = FreePort();
            _agent = AgentProcess.Start(new AgentProcessOptions
            {
                GatewayPort = _silo.GatewayPort,
                Runtime = "test",
                Vcpus = 8,
                MemoryBytes = 8L << 30,
                ExtraArguments = ["--metrics", $"127.0.0.1:{_metricsPort}"],
            });
        }
        catch (Exception e)
        {
            // xunit does not call DisposeAsync when InitializeAsync fails: clean up here.
            await DisposeAsync();
            throw new InvalidOperationException("the silo or the agent did not start", e);
        }
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        try
        {
            if (_agent is not null)
            {
                await _agent.DisposeAsync();
            }
        }
        finally
        {
            _channel?.Dispose();
            if (_silo is not null)
            {
                await _silo.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task VmsSyncedByTheAgentShowInItsWorkQueueMetrics()
    {
        var vms = new VirtualMachines.VirtualMachinesClient(_channel);
        var nodes = new Nodes.NodesClient(_channel);
        var agent = _agent!;
        await Eventually.MatchAsync(
            async () => (await nodes.ListAsync(new ListNodesRequest())).Items.FirstOrDefault(n => n.Name == agent.Node),
            n => n is { Ready: true },
            $"node {agent.Node} to register and be Ready (agent output:\n{agent.Output})");

        var ns = "metrics-" + Guid.NewGuid().ToString("N")[..6];
        var names = Enumerable.Range(1, VmCount).Select(i => $"vm-{i}").ToList();
        foreach (var name in names)
        {
            await vms.CreateAsync(new CreateRequest
            {
                Namespace = ns,
                Name = name,
                Spec = new VirtualMachineSpec { RunStrategy = "Always", Memory = "64Mi", Cpu = new Cpu { Sockets = 1, Cores = 1, Threads = 1 } },
            });
        }
        foreach (var name in names)
        {
            await Eventually.MatchAsync(
                async () => (await vms.GetAsync(new GetRequest { Namespace = ns, Name = name })).Status.PrintableStatus,
                status => status == "Running",
                $"{ns}/{name} to be Running");
        }

        // Every sync starts by leaving the queue, so each Running VM was measured at least once.
        var text = await Eventually.MatchAsync(
            ScrapeAsync,
            t => SampleValue(t, OrvirtMetrics.WorkqueueLatencySeconds + "_count") >= VmCount,
            $"{OrvirtMetrics.WorkqueueLatencySeconds}_count >= {VmCount} on http://127.0.0.1:{_metricsPort}/metrics");

        Assert.Contains($"# TYPE {OrvirtMetrics.WorkqueueLatencySeconds} histogram", text, StringComparison.Ordinal);
        Assert.Contains($"# TYPE {OrvirtMetrics.WorkqueueDepth} gauge", text, StringComparison.Ordinal);
        var depth = SampleValue(text, OrvirtMetrics.WorkqueueDepth);
        Assert.True(depth is >= 0, $"{OrvirtMetrics.WorkqueueDepth} should have a sample (seen {depth?.ToString(CultureInfo.InvariantCulture) ?? "none"}):\n{text}");
        Assert.True(SampleValue(text, OrvirtMetrics.WorkqueueLatencySeconds + "_sum") >= 0, $"the latency histogram should have a _sum:\n{text}");
    }

    private async Task<string> ScrapeAsync() => await _http.GetStringAsync(new Uri($"http://127.0.0.1:{_metricsPort}/metrics"));

    /// <summary>The value of the first sample named exactly <paramref name="metric"/> (any labels), or null when there is none.</summary>
    private static double? SampleValue(string text, string metric)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(metric, StringComparison.Ordinal) || line.Length == metric.Length
                || line[metric.Length] is not ('{' or ' '))
            {
                continue;
            }
            // "name{labels} value [timestamp]": the value follows the label set (labels may contain blanks).
            var rest = line[metric.Length] == '{' ? line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..] : line[metric.Length..];
            var parts = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 0 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }
        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
