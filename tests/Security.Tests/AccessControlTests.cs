using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Testing;

namespace Orvirt.Security.Tests;

/// <summary>Bearer tokens on the gRPC API: missing and wrong tokens, viewers, namespace-limited tokens, and logs without tokens.</summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class AccessControlTests
{
    private readonly SecuredSilo _fixture;

    public AccessControlTests(SecuredSilo fixture) => _fixture = fixture;

    [Fact]
    public async Task CallsWithoutOrWithAWrongTokenAreUnauthenticatedAndStoreNothing()
    {
        var name = Unique();
        var anonymous = _fixture.Connect(null);
        var wrong = _fixture.Connect(_fixture.Tokens.Wrong);
        var before = await _fixture.AllVmsAsync();

        var calls = new (string What, Func<Task> Call)[]
        {
            ("create without a token", () => anonymous.VirtualMachines.CreateAsync(Halted("default", name)).ResponseAsync),
            ("get without a token", () => anonymous.VirtualMachines.GetAsync(new GetRequest { Name = name }).ResponseAsync),
            ("node list without a token", () => anonymous.Nodes.ListAsync(new ListNodesRequest()).ResponseAsync),
            ("create with a wrong token", () => wrong.VirtualMachines.CreateAsync(Halted("default", name)).ResponseAsync),
            ("list with a wrong token", () => wrong.VirtualMachines.ListAsync(new ListRequest { AllNamespaces = true }).ResponseAsync),
        };
        foreach (var (what, call) in calls)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(error.StatusCode == StatusCode.Unauthenticated, $"{what}: expected Unauthenticated, got {error.StatusCode}: {error.Status.Detail}");
            Assert.Contains("ORVIRT_TOKEN", error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(200, await _fixture.HealthAsync());
        Assert.Equal(before, await _fixture.AllVmsAsync());
        Assert.Equal(StatusCode.NotFound, await _fixture.GetCodeAsync("default", name));
    }

    [Fact]
    public async Task AViewerReadsButCannotCreateDeleteOrStop()
    {
        var name = Unique();
        await _fixture.Admin.VirtualMachines.CreateAsync(Halted("default", name));
        try
        {
            var viewer = _fixture.Connect(_fixture.Tokens.Viewer);

            var seen = await viewer.VirtualMachines.GetAsync(new GetRequest { Name = name });
            var listed = await viewer.VirtualMachines.ListAsync(new ListRequest { AllNamespaces = true });
            var deleteError = await Assert.ThrowsAsync<RpcException>(() => viewer.VirtualMachines.DeleteAsync(new VmRef { Name = name }).ResponseAsync);
            var stopError = await Assert.ThrowsAsync<RpcException>(() => viewer.VirtualMachines.StartAsync(new VmRef { Name = name }).ResponseAsync);
            var other = Unique();
            var createError = await Assert.ThrowsAsync<RpcException>(() => viewer.VirtualMachines.CreateAsync(Halted("default", other)).ResponseAsync);

            Assert.Equal(name, seen.Metadata.Name);
            Assert.Contains(listed.Items, v => v.Metadata.Name == name);
            Assert.Equal(StatusCode.PermissionDenied, deleteError.StatusCode);
            Assert.Contains("viewer", deleteError.Status.Detail, StringComparison.Ordinal);
            Assert.Equal(StatusCode.PermissionDenied, stopError.StatusCode);
            Assert.Equal(StatusCode.PermissionDenied, createError.StatusCode);
            var still = await _fixture.Admin.VirtualMachines.GetAsync(new GetRequest { Name = name });
            Assert.Null(still.Metadata.DeletionTimestamp);
            Assert.Equal(StatusCode.NotFound, await _fixture.GetCodeAsync("default", other));
        }
        finally
        {
            await _fixture.Admin.VirtualMachines.DeleteAsync(new VmRef { Name = name });
        }
    }

    [Fact]
    public async Task ANamespaceLimitedTokenWorksInItsNamespaceOnly()
    {
        var team = _fixture.Connect(_fixture.Tokens.TeamA);
        var mine = Unique();
        var theirs = Unique();
        await _fixture.Admin.VirtualMachines.CreateAsync(Halted("default", theirs));
        try
        {
            await team.VirtualMachines.CreateAsync(Halted(TestTokens.TeamANamespace, mine));
            var ownList = await team.VirtualMachines.ListAsync(new ListRequest { Namespace = TestTokens.TeamANamespace });

            var refusals = new (string What, Func<Task> Call)[]
            {
                ("create in another namespace", () => team.VirtualMachines.CreateAsync(Halted("team-b", Unique())).ResponseAsync),
                ("get in default", () => team.VirtualMachines.GetAsync(new GetRequest { Name = theirs }).ResponseAsync),
                ("delete in default", () => team.VirtualMachines.DeleteAsync(new VmRef { Name = theirs }).ResponseAsync),
                ("list all namespaces", () => team.VirtualMachines.ListAsync(new ListRequest { AllNamespaces = true }).ResponseAsync),
                ("list default", () => team.VirtualMachines.ListAsync(new ListRequest()).ResponseAsync),
            };
            foreach (var (what, call) in refusals)
            {
                var error = await Assert.ThrowsAsync<RpcException>(call);
                Assert.True(error.StatusCode == StatusCode.PermissionDenied, $"{what}: expected PermissionDenied, got {error.StatusCode}: {error.Status.Detail}");
                Assert.Contains(TestTokens.TeamANamespace, error.Status.Detail, StringComparison.Ordinal);
            }
            var watch = team.VirtualMachines.Watch(new WatchRequest { AllNamespaces = true });
            var watchError = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(CancellationToken.None));

            Assert.Equal(StatusCode.PermissionDenied, watchError.StatusCode);
            Assert.Equal([mine], ownList.Items.Select(v => v.Metadata.Name));
            Assert.Equal(StatusCode.OK, await _fixture.GetCodeAsync("default", theirs));
            Assert.DoesNotContain(await _fixture.AllVmsAsync(), v => v.StartsWith("team-b/", StringComparison.Ordinal));
        }
        finally
        {
            await _fixture.Admin.VirtualMachines.DeleteAsync(new VmRef { Name = theirs });
            await _fixture.Admin.VirtualMachines.DeleteAsync(new VmRef { Namespace = TestTokens.TeamANamespace, Name = mine });
        }
    }

    [Fact]
    public async Task TokensNeverAppearInTheSiloLog()
    {
        // Good and bad tokens, over gRPC and over HTTP (header and the browser's one-time address), with debug logging on.
        foreach (var token in _fixture.Tokens.All)
        {
            var connection = _fixture.Connect(token);
            try
            {
                await connection.VirtualMachines.ListAsync(new ListRequest { Namespace = TestTokens.TeamANamespace });
            }
            catch (RpcException)
            {
                // Refusals are expected for the wrong token; what matters is the log.
            }
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_fixture.Silo.HttpAddress, "/api/vms"));
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request);
            using var browser = await http.GetAsync(new Uri(_fixture.Silo.HttpAddress, $"/?access_token={token}"));
        }
        var anonymous = _fixture.Connect(null);
        await Assert.ThrowsAsync<RpcException>(() => anonymous.Nodes.ListAsync(new ListNodesRequest()).ResponseAsync);

        // The refusals are logged (so the log is the one being written), without the tokens.
        var output = await Eventually.MatchAsync(
            () => Task.FromResult(_fixture.Silo.Output),
            o => o.Contains("no bearer token was sent", StringComparison.Ordinal),
            "the silo to log the refused anonymous call");
        foreach (var token in _fixture.Tokens.All)
        {
            Assert.DoesNotContain(token, output, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static CreateRequest Halted(string @namespace, string name) => new()
    {
        Namespace = @namespace,
        Name = name,
        Spec = new VirtualMachineSpec { RunStrategy = "Halted", Cpu = new Cpu { Sockets = 1, Cores = 1, Threads = 1 }, Memory = "64Mi" },
    };

    private static string Unique() => "acl-" + Guid.NewGuid().ToString("N")[..8];
}
