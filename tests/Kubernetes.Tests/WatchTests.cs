using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using Orvirt.KubeApiServer;

namespace Orvirt.Kubernetes.Tests;

public sealed class WatchTests
{
    [Fact]
    public async Task WatchFromTheListsResourceVersionDeliversEveryLaterChangeInOrderThenBookmarks()
    {
        await using var server = await KubeApiTestServer.StartAsync(new KubeApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("before"));
        var listVersion = (string)(await Kube.ListAsync(k))["metadata"]!["resourceVersion"]!;
        await using var watch = new WatchCollector(k, listVersion);
        await Eventually.Until(() => server.WatchCount == 1, "the watch to open", watch.Describe);

        await Kube.CreateAsync(k, Kube.Vm("a"));
        await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"spec":{"runStrategy":"Halted"}}""")!);
        var deleted = await Kube.DeleteAsync(k, "a");
        var last = long.Parse(Kube.ResourceVersion(deleted));

        await Eventually.Until(() => watch.Events.Any(e => e.Type == WatchEventType.Bookmark && long.Parse(Kube.ResourceVersion(e.Object)) >= last),
            $"a bookmark at resourceVersion {last} or later", watch.Describe);
        Assert.Equal(["Added a", "Modified a", "Deleted a"], watch.Changes());
        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task WatchWithoutResourceVersionStartsWithSyntheticAddedEventsForExistingObjects()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("a"));
        await Kube.CreateAsync(k, Kube.Vm("b"));

        await using var watch = new WatchCollector(k, resourceVersion: null);

        await Eventually.Until(() => watch.Changes().Count == 2, "two ADDED events", watch.Describe);
        Assert.Equal(["Added a", "Added b"], watch.Changes());
    }

    [Fact]
    public async Task WatchFromAResourceVersionOlderThanTheCompactionGets410ExpiredAndEnds()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var old = Kube.ResourceVersion(await Kube.CreateAsync(k, Kube.Vm("a")));
        await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"spec":{"runStrategy":"Halted"}}""")!);
        server.Compact();

        await using var watch = new WatchCollector(k, old);

        await Eventually.Until(() => watch.Ended, "the expired watch to end", watch.Describe);
        var error = Assert.IsType<KubernetesException>(Assert.Single(watch.Errors));
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
        Assert.Empty(watch.Changes());
    }

    [Fact]
    public async Task WatchFromTheCurrentResourceVersionStillWorksAfterCompaction()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("a"));
        server.Compact();
        var current = (string)(await Kube.ListAsync(k))["metadata"]!["resourceVersion"]!;

        await using var watch = new WatchCollector(k, current);
        await Eventually.Until(() => server.WatchCount == 1, "the watch to open", watch.Describe);
        await Kube.CreateAsync(k, Kube.Vm("b"));

        await Eventually.Until(() => watch.Changes().Count == 1, "the ADDED event of b", watch.Describe);
        Assert.Equal(["Added b"], watch.Changes());
        Assert.Empty(watch.Errors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DroppingAllWatchesEndsEveryOpenStream(bool abortConnections)
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await using var first = new WatchCollector(k, null);
        await using var second = new WatchCollector(k, null);
        await Eventually.Until(() => server.WatchCount == 2, "two open watches", () => $"{server.WatchCount} open");

        Assert.Equal(2, server.DropAllWatches(abortConnections));

        await Eventually.Until(() => first.Ended && second.Ended, "both watches to end", () => first.Describe() + " / " + second.Describe());
        await Eventually.Until(() => server.WatchCount == 0, "the server to forget the watches", () => $"{server.WatchCount} open");
    }

    [Fact]
    public async Task AWatchWithALabelSelectorSeesObjectsMovingInAndOutOfTheSelectionAsAddedAndDeleted()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var rv = Kube.ResourceVersion(await Kube.CreateAsync(k, Kube.Vm("a", ("tier", "db"))));
        await using var watch = new WatchCollector(k, rv, "tier=web");
        await Eventually.Until(() => server.WatchCount == 1, "the watch to open", watch.Describe);

        await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"metadata":{"labels":{"tier":"web"}}}""")!);
        await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"spec":{"runStrategy":"Halted"}}""")!);
        await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"metadata":{"labels":{"tier":"db"}}}""")!);
        await Kube.CreateAsync(k, Kube.Vm("other", ("tier", "db")));
        await Kube.CreateAsync(k, Kube.Vm("b", ("tier", "web")));

        await Eventually.Until(() => watch.Changes().Contains("Added b"), "the ADDED event of b", watch.Describe);
        Assert.Equal(["Added a", "Modified a", "Deleted a", "Added b"], watch.Changes());
    }

    [Fact]
    public async Task AnInvalidResourceVersionIsABadRequest()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => k.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(
            Kube.Group, Kube.Version, Kube.Ns, Kube.Plural, resourceVersion: "abc", watch: true));

        Assert.Equal(400, (int)e.Response.StatusCode);
        Assert.Contains("invalid resourceVersion", e.Response.Content);
    }
}
