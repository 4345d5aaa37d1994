using System.Text.Json.Nodes;
using Orvirt.KubeApiServer;

namespace Orvirt.Kubernetes.Tests;

public sealed class StatusSubresourceTests
{
    [Fact]
    public async Task CreateAndMainResourceWritesIgnoreStatus()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var vm = Kube.Vm("a");
        vm["status"] = new JsonObject { ["printableStatus"] = "Running" };

        var created = await Kube.CreateAsync(k, vm);
        Assert.Null(created["status"]);

        await Kube.PatchStatusAsync(k, "a", JsonNode.Parse("""{"status":{"printableStatus":"Stopped"}}""")!);
        var patched = await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"status":{"printableStatus":"Running"},"spec":{"runStrategy":"Manual"}}""")!);

        Assert.Equal("Stopped", (string?)patched["status"]!["printableStatus"]);
        Assert.Equal("Manual", (string?)patched["spec"]!["runStrategy"]);
    }

    [Fact]
    public async Task StatusWritesChangeOnlyStatusAndNeverTheGeneration()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var created = await Kube.CreateAsync(k, Kube.Vm("a"));

        var patched = await Kube.PatchStatusAsync(k, "a", JsonNode.Parse("""
            {"spec":{"runStrategy":"Halted"},"metadata":{"labels":{"x":"y"}},
             "status":{"printableStatus":"Running","node":"node1","observedGeneration":1,"ready":true}}
            """)!);
        var replaced = patched.DeepClone().AsObject();
        replaced["spec"]!["runStrategy"] = "Manual";
        replaced["status"]!["node"] = "node2";
        var afterPut = await Kube.ReplaceStatusAsync(k, replaced);

        Assert.Equal("Always", (string?)afterPut["spec"]!["runStrategy"]);
        Assert.Null(afterPut["metadata"]!["labels"]);
        Assert.Equal("node2", (string?)afterPut["status"]!["node"]);
        Assert.Equal(1, Kube.Generation(afterPut));
        Assert.NotEqual(Kube.ResourceVersion(created), Kube.ResourceVersion(afterPut));
    }

    [Fact]
    public async Task AStatusWriteThatChangesNothingKeepsTheResourceVersion()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("a"));
        var first = await Kube.PatchStatusAsync(k, "a", JsonNode.Parse("""{"status":{"printableStatus":"Running"}}""")!);

        var second = await Kube.PatchStatusAsync(k, "a", JsonNode.Parse("""{"status":{"printableStatus":"Running"}}""")!);

        Assert.Equal(Kube.ResourceVersion(first), Kube.ResourceVersion(second));
        Assert.Equal(Kube.ResourceVersion(first), server.ResourceVersion.ToString());
    }

    [Fact]
    public async Task UnknownStatusFieldsArePruned()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("a"));

        var patched = await Kube.PatchStatusAsync(k, "a", JsonNode.Parse("""{"status":{"printableStatus":"Running","bogus":1}}""")!);

        Assert.Equal("Running", (string?)patched["status"]!["printableStatus"]);
        Assert.Null(patched["status"]!["bogus"]);
    }
}
