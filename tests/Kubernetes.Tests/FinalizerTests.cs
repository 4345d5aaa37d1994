using System.Net;
using k8s;
using System.Text.Json.Nodes;
using Orvirt.KubeApiServer;

namespace Orvirt.Kubernetes.Tests;

public sealed class FinalizerTests
{
    private const string Finalizer = "orvirt.io/vm";

    [Fact]
    public async Task DeletingAnObjectWithAFinalizerOnlyMarksItUntilTheFinalizerIsRemoved()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var vm = Kube.Vm("a");
        vm["metadata"]!["finalizers"] = new JsonArray(Finalizer);
        var created = await Kube.CreateAsync(k, vm);
        await using var watch = new WatchCollector(k, Kube.ResourceVersion(created));
        await Eventually.Until(() => server.WatchCount == 1, "the watch to open", watch.Describe);

        var deleting = await Kube.DeleteAsync(k, "a");
        Assert.NotNull(deleting["metadata"]!["deletionTimestamp"]);
        var stillThere = await Kube.GetAsync(k, "a");
        Assert.NotNull(stillThere["metadata"]!["deletionTimestamp"]);
        Assert.Equal(1, Kube.Generation(stillThere));

        var again = await Kube.DeleteAsync(k, "a");
        Assert.Equal(Kube.ResourceVersion(stillThere), Kube.ResourceVersion(again));

        await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!);
        await Kube.FailsWith(HttpStatusCode.NotFound, () => Kube.GetAsync(k, "a"));
        await Eventually.Until(() => watch.Changes().Count == 2, "MODIFIED then DELETED", watch.Describe);
        Assert.Equal(["Modified a", "Deleted a"], watch.Changes());
    }

    [Fact]
    public async Task NoNewFinalizerCanBeAddedWhileDeleting()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var vm = Kube.Vm("a");
        vm["metadata"]!["finalizers"] = new JsonArray(Finalizer);
        await Kube.CreateAsync(k, vm);
        await Kube.DeleteAsync(k, "a");

        var status = await Kube.FailsWith(HttpStatusCode.UnprocessableEntity, () => Kube.PatchAsync(k, "a",
            JsonNode.Parse("""{"metadata":{"finalizers":["orvirt.io/vm","other.io/x"]}}""")!));

        Assert.Contains("no new finalizers can be added", (string?)status["message"]);
    }

    [Fact]
    public async Task DeletingWithoutFinalizersRemovesAtOnceAndAStalePreconditionIsAConflict()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var created = await Kube.CreateAsync(k, Kube.Vm("a"));
        await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"spec":{"runStrategy":"Manual"}}""")!);

        await Kube.FailsWith(HttpStatusCode.Conflict, () => k.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>(
            Kube.Group, Kube.Version, Kube.Ns, Kube.Plural, "a",
            new k8s.Models.V1DeleteOptions { Preconditions = new k8s.Models.V1Preconditions { ResourceVersion = Kube.ResourceVersion(created) } }));
        await Kube.DeleteAsync(k, "a");

        await Kube.FailsWith(HttpStatusCode.NotFound, () => Kube.GetAsync(k, "a"));
        await Kube.FailsWith(HttpStatusCode.NotFound, () => Kube.DeleteAsync(k, "a"));
    }
}
