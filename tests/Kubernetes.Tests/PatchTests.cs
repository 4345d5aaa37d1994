using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;
using Orvirt.KubeApiServer;

namespace Orvirt.Kubernetes.Tests;

public sealed class PatchTests
{
    [Fact]
    public async Task MergePatchMergesObjectsReplacesArraysAndRemovesNulls()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("a", ("app", "a"), ("tier", "web")));

        var patched = await Kube.PatchAsync(k, "a", JsonNode.Parse("""
            {"metadata":{"labels":{"tier":null,"team":"x"}},
             "spec":{"template":{"spec":{"nodeSelector":{"zone":"a"},"volumes":[{"name":"scratch","emptyDisk":{"capacity":"2Gi"}}]}}}}
            """)!);

        Assert.Equal("""{"app":"a","team":"x"}""", patched["metadata"]!["labels"]!.ToJsonString());
        Assert.Equal("2Gi", (string?)patched["spec"]!["template"]!["spec"]!["volumes"]![0]!["emptyDisk"]!["capacity"]);
        Assert.Equal("a", (string?)patched["spec"]!["template"]!["spec"]!["nodeSelector"]!["zone"]);
        Assert.Equal("Always", (string?)patched["spec"]!["runStrategy"]);
        Assert.Equal(2, Kube.Generation(patched));
    }

    [Fact]
    public async Task JsonPatchAppliesOperationsInOrderAndATestFailureChangesNothing()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var created = await Kube.CreateAsync(k, Kube.Vm("a"));

        var patched = await Kube.PatchAsync(k, "a", JsonNode.Parse("""
            [{"op":"test","path":"/spec/runStrategy","value":"Always"},
             {"op":"replace","path":"/spec/runStrategy","value":"Manual"},
             {"op":"add","path":"/metadata/finalizers","value":["orvirt.io/vm"]},
             {"op":"remove","path":"/spec/template/spec/terminationGracePeriodSeconds"}]
            """)!, V1Patch.PatchType.JsonPatch);
        Assert.Equal("Manual", (string?)patched["spec"]!["runStrategy"]);
        Assert.Equal("orvirt.io/vm", (string?)patched["metadata"]!["finalizers"]![0]);
        Assert.Null(patched["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"]);

        var failed = await Kube.FailsWith(HttpStatusCode.UnprocessableEntity, () => Kube.PatchAsync(k, "a", JsonNode.Parse("""
            [{"op":"replace","path":"/spec/runStrategy","value":"Halted"},
             {"op":"test","path":"/spec/runStrategy","value":"Always"}]
            """)!, V1Patch.PatchType.JsonPatch));
        Assert.Contains("test failed", (string?)failed["message"]);
        Assert.Equal("Manual", (string?)(await Kube.GetAsync(k, "a"))["spec"]!["runStrategy"]);
        Assert.NotEqual(Kube.ResourceVersion(created), Kube.ResourceVersion(patched));
    }

    [Fact]
    public async Task APatchCarryingAStaleResourceVersionIsAConflict()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var created = await Kube.CreateAsync(k, Kube.Vm("a"));
        await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"spec":{"runStrategy":"Manual"}}""")!);

        var status = await Kube.FailsWith(HttpStatusCode.Conflict, () => Kube.PatchAsync(k, "a",
            new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = Kube.ResourceVersion(created) }, ["spec"] = new JsonObject { ["runStrategy"] = "Halted" } }));

        Assert.Equal("Conflict", (string?)status["reason"]);
    }

    [Fact]
    public async Task StrategicMergePatchOnACustomResourceIs415()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("a"));

        var status = await Kube.FailsWith(HttpStatusCode.UnsupportedMediaType, () => Kube.PatchAsync(k, "a",
            JsonNode.Parse("""{"spec":{"runStrategy":"Manual"}}""")!, V1Patch.PatchType.StrategicMergePatch));

        Assert.Equal("UnsupportedMediaType", (string?)status["reason"]);
        Assert.Contains("application/merge-patch+json", (string?)status["message"]);
    }
}
