using System.Net;
using System.Text.Json.Nodes;
using Orvirt.KubeApiServer;

namespace Orvirt.Kubernetes.Tests;

public sealed class ResourceVersionAndGenerationTests
{
    [Fact]
    public async Task CreateSetsGenerationOneAndServerFieldsAndEveryWriteRaisesTheGlobalResourceVersion()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);

        var a = await Kube.CreateAsync(k, Kube.Vm("a"));
        var b = await Kube.CreateAsync(k, Kube.Vm("b"));

        Assert.Equal(1, Kube.Generation(a));
        Assert.False(string.IsNullOrEmpty((string?)a["metadata"]!["uid"]));
        Assert.NotNull(a["metadata"]!["creationTimestamp"]);
        Assert.True(long.Parse(Kube.ResourceVersion(b)) > long.Parse(Kube.ResourceVersion(a)), "resourceVersion is one global counter across objects");
        Assert.Equal(Kube.ResourceVersion(b), server.ResourceVersion.ToString());
        var list = await Kube.ListAsync(k);
        Assert.Equal(Kube.ResourceVersion(b), (string)list["metadata"]!["resourceVersion"]!);
        Assert.Equal(2, list["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task SpecChangeBumpsGenerationButLabelChangeAndNoOpWriteDoNot()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var vm = await Kube.CreateAsync(k, Kube.Vm("a"));

        var labelled = await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"metadata":{"labels":{"tier":"web"}}}""")!);
        Assert.Equal(1, Kube.Generation(labelled));
        Assert.NotEqual(Kube.ResourceVersion(vm), Kube.ResourceVersion(labelled));

        var noop = await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"metadata":{"labels":{"tier":"web"}}}""")!);
        Assert.Equal(Kube.ResourceVersion(labelled), Kube.ResourceVersion(noop));

        var changed = await Kube.PatchAsync(k, "a", JsonNode.Parse("""{"spec":{"runStrategy":"Halted"}}""")!);
        Assert.Equal(2, Kube.Generation(changed));
        Assert.Equal("Halted", (string?)changed["spec"]!["runStrategy"]);
    }

    [Fact]
    public async Task UpdateWithAStaleResourceVersionIsRefusedWith409Conflict()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var stale = await Kube.CreateAsync(k, Kube.Vm("a"));
        var fresh = stale.DeepClone().AsObject();
        fresh["spec"]!["runStrategy"] = "Manual";
        await Kube.ReplaceAsync(k, fresh);

        stale["spec"]!["runStrategy"] = "Halted";
        var status = await Kube.FailsWith(HttpStatusCode.Conflict, () => Kube.ReplaceAsync(k, stale));

        Assert.Equal("Conflict", (string?)status["reason"]);
        Assert.Contains("the object has been modified", (string?)status["message"]);
        Assert.Equal("Manual", (string?)(await Kube.GetAsync(k, "a"))["spec"]!["runStrategy"]);
    }

    [Fact]
    public async Task UpdateWithoutResourceVersionIsInvalidForCustomResources()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var vm = await Kube.CreateAsync(k, Kube.Vm("a"));
        vm["metadata"]!.AsObject().Remove("resourceVersion");

        var status = await Kube.FailsWith(HttpStatusCode.UnprocessableEntity, () => Kube.ReplaceAsync(k, vm));

        Assert.Contains("metadata.resourceVersion", (string?)status["message"]);
    }

    [Fact]
    public async Task CreatingAnExistingNameIs409AlreadyExistsAndAMissingOneIs404NotFound()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("a"));

        var exists = await Kube.FailsWith(HttpStatusCode.Conflict, () => Kube.CreateAsync(k, Kube.Vm("a")));
        var missing = await Kube.FailsWith(HttpStatusCode.NotFound, () => Kube.GetAsync(k, "nope"));

        Assert.Equal("AlreadyExists", (string?)exists["reason"]);
        Assert.Equal("virtualmachines.orvirt.io \"a\" already exists", (string?)exists["message"]);
        Assert.Equal("NotFound", (string?)missing["reason"]);
        Assert.Equal("nope", (string?)missing["details"]!["name"]);
    }

    [Fact]
    public async Task ListFiltersByLabelSelector()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("web-1", ("tier", "web")));
        await Kube.CreateAsync(k, Kube.Vm("web-2", ("tier", "web")));
        await Kube.CreateAsync(k, Kube.Vm("db-1", ("tier", "db")));

        var web = await Kube.ListAsync(k, "tier=web");
        var notWeb = await Kube.ListAsync(k, "tier!=web");
        var bad = await Kube.FailsWith(HttpStatusCode.BadRequest, () => Kube.ListAsync(k, "tier in web"));

        Assert.Equal(["web-1", "web-2"], web["items"]!.AsArray().Select(i => Kube.Name(i!.AsObject())));
        Assert.Equal(["db-1"], notWeb["items"]!.AsArray().Select(i => Kube.Name(i!.AsObject())));
        Assert.Equal("BadRequest", (string?)bad["reason"]);
    }
}
