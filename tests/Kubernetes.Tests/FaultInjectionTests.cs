using System.Net;
using System.Text.Json.Nodes;
using Orvirt.KubeApiServer;

namespace Orvirt.Kubernetes.Tests;

public sealed class FaultInjectionTests
{
    [Theory]
    [InlineData(429, "TooManyRequests")]
    [InlineData(500, "InternalError")]
    public async Task TheNextMatchingRequestsFailWithTheInjectedStatusThenSucceed(int code, string reason)
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("a"));
        server.Faults.FailNext("PATCH", "/virtualmachines/a/status", 2, code);

        var first = await Kube.FailsWith((HttpStatusCode)code, () => Kube.PatchStatusAsync(k, "a", JsonNode.Parse("""{"status":{"node":"n1"}}""")!));
        await Kube.FailsWith((HttpStatusCode)code, () => Kube.PatchStatusAsync(k, "a", JsonNode.Parse("""{"status":{"node":"n1"}}""")!));
        await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"spec":{"runStrategy":"Manual"}}""")!);
        var third = await Kube.PatchStatusAsync(k, "a", JsonNode.Parse("""{"status":{"node":"n1"}}""")!);

        Assert.Equal(reason, (string?)first["reason"]);
        Assert.Equal("n1", (string?)third["status"]!["node"]);
        Assert.Equal(0, server.Faults.PendingFailures);
        Assert.Equal(3, server.Faults.Count("PATCH", "/virtualmachines/a/status"));
        Assert.Equal(1, server.Faults.Count("PATCH", "/virtualmachines/a", watch: false) - server.Faults.Count("PATCH", "/status"));
    }

    [Fact]
    public async Task RequestsAreCountedByMethodPathAndWatch()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("a"));
        await Kube.ListAsync(k);
        await using (var watch = new WatchCollector(k, null))
        {
            await Eventually.Until(() => server.WatchCount == 1, "the watch to open", watch.Describe);
        }

        Assert.Equal(1, server.Faults.Count("POST", "/virtualmachines"));
        Assert.Equal(1, server.Faults.Count("GET", "/virtualmachines", watch: false));
        Assert.Equal(1, server.Faults.Count("GET", "/virtualmachines", watch: true));
    }
}
