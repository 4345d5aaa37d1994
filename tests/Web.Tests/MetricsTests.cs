using Orvirt.Interfaces;
using Orvirt.Testing;

namespace Orvirt.Web.Tests;

/// <summary><c>/metrics</c> scraped from a real silo with a real node agent.</summary>
public sealed class MetricsTests : IClassFixture<ClusterFixture>
{
    private readonly ClusterFixture _cluster;

    public MetricsTests(ClusterFixture cluster) => _cluster = cluster;

    [Fact]
    public async Task PhaseCountsFollowTheVmsCreatedAndDeleted()
    {
        await _cluster.CliAsync("vm", "create", "api-1", "-n", "metrics", "--cpu", "1", "--memory", "128Mi");
        await _cluster.CliAsync("vm", "create", "api-2", "-n", "metrics", "--cpu", "1", "--memory", "128Mi");
        // Asks for more vCPUs than the node offers, so it stays Pending with no node.
        await _cluster.CliAsync("vm", "create", "too-big", "-n", "metrics", "--cpu", (ClusterFixture.NodeVcpus * 2).ToString(System.Globalization.CultureInfo.InvariantCulture), "--memory", "128Mi");
        // Halted: no run, so it is not counted in any phase.
        await _cluster.CliAsync("vm", "create", "parked", "-n", "metrics", "--cpu", "1", "--memory", "128Mi", "--run-strategy", "Halted");

        var expected = new Dictionary<(string, string), double>
        {
            [(nameof(VmPhase.Running), ClusterFixture.NodeName)] = 2,
            [(nameof(VmPhase.Pending), "")] = 1,
        };
        var scrape = await Eventually.MatchAsync(ScrapeAsync, m => SameCounts(m.PhaseCounts(), expected),
            "orvirt_vmi_phase_count to show 2 Running on the node and 1 Pending", TimeSpan.FromSeconds(60));

        Assert.Equal(2, scrape.Value(OrvirtMetrics.VmCreateToRunningSeconds + "_count"));
        Assert.True(scrape.Value(OrvirtMetrics.VmCreateToRunningSeconds + "_sum") > 0, scrape.Text);
        Assert.Equal(2, scrape.Value(OrvirtMetrics.VmiPhaseTransitionTimeSeconds + "_count", (OrvirtMetrics.PhaseTag, nameof(VmPhase.Running))));
        // Node readiness is refreshed every Orvirt:Metrics:RefreshInterval, not pushed.
        await Eventually.MatchAsync(ScrapeAsync, m => m.Value(OrvirtMetrics.NodeReady, (OrvirtMetrics.NodeTag, ClusterFixture.NodeName)) == 1,
            $"orvirt_node_ready{{node=\"{ClusterFixture.NodeName}\"}} to be 1");
        Assert.Equal(4, scrape.Value(OrvirtMetrics.GrpcRequests + "_total", (OrvirtMetrics.MethodTag, "/orvirt.v1.VirtualMachines/Create"), (OrvirtMetrics.CodeTag, "OK")));
        Assert.Equal(4, scrape.Value(OrvirtMetrics.GrpcRequestDurationSeconds + "_count", (OrvirtMetrics.MethodTag, "/orvirt.v1.VirtualMachines/Create"), (OrvirtMetrics.CodeTag, "OK")));

        await _cluster.CliAsync("vm", "delete", "api-1", "-n", "metrics");
        expected[(nameof(VmPhase.Running), ClusterFixture.NodeName)] = 1;
        await Eventually.MatchAsync(ScrapeAsync, m => SameCounts(m.PhaseCounts(), expected),
            "orvirt_vmi_phase_count to show 1 Running after deleting api-1", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task RefusedCallsAreCountedWithTheirStatusCode()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Orvirt.Cli.CliApp.RunAsync(["vm", "get", "does-not-exist", "-n", "metrics", "--server", _cluster.Silo.GrpcAddress.ToString()], output, error);
        Assert.NotEqual(0, code);

        var scrape = await Eventually.MatchAsync(ScrapeAsync,
            m => m.Value(OrvirtMetrics.GrpcRequests + "_total", (OrvirtMetrics.MethodTag, "/orvirt.v1.VirtualMachines/Get"), (OrvirtMetrics.CodeTag, "NotFound")) == 1,
            "a NotFound Get to be counted");
        Assert.Null(scrape.Value(OrvirtMetrics.GrpcRequests + "_total", (OrvirtMetrics.MethodTag, "/orvirt.v1.VirtualMachines/Get"), (OrvirtMetrics.CodeTag, "OK")));
    }

    private async Task<PrometheusText> ScrapeAsync()
    {
        using var response = await _cluster.Http.GetAsync(new Uri(_cluster.Silo.HttpAddress, "/metrics"));
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }

    private static bool SameCounts(IReadOnlyDictionary<(string, string), double> actual, IReadOnlyDictionary<(string, string), double> expected) =>
        actual.Where(kv => kv.Value != 0).Count() == expected.Count && expected.All(kv => actual.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
