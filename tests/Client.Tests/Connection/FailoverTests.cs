using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Client.Connection;
using Orvirt.Client.Tests.EndToEnd;
using Orvirt.Testing;

namespace Orvirt.Client.Tests.Connection;

/// <summary>Several <c>--server</c> addresses: a server that cannot be reached is skipped for the next one.</summary>
[Collection(SiloCollection.Name)]
public sealed class FailoverTests(SiloFixture silo)
{
    [Fact]
    public async Task ACallSkipsAServerThatRefusesTheConnectionAndStaysWithTheOneThatAnswered()
    {
        var dead = new Uri($"http://127.0.0.1:{SiloPorts.Free(1)[0].Grpc}");
        using var connection = OrvirtConnection.Create([dead, silo.Server]);
        Assert.Equal(dead, connection.Address);

        var nodes = await connection.Nodes.ListAsync(new ListNodesRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.NotNull(nodes);
        Assert.Equal(silo.Server, connection.Address);
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await connection.VirtualMachines.GetAsync(new GetRequest { Namespace = "failover", Name = "missing" }, deadline: DateTime.UtcNow.AddSeconds(30)));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task WhenNoServerCanBeReachedTheCallFailsUnavailable()
    {
        var ports = SiloPorts.Free(1)[0];
        using var connection = OrvirtConnection.Create([new Uri($"http://127.0.0.1:{ports.Grpc}"), new Uri($"http://127.0.0.1:{ports.Http}")]);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await connection.Nodes.ListAsync(new ListNodesRequest(), deadline: DateTime.UtcNow.AddSeconds(30)));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.True(FailoverCallInvoker.IsConnectFailure(error), error.ToString());
    }

    [Fact]
    public void ACommaSeparatedServerListResolvesToEveryAddressAndABadEntryIsAUsageError()
    {
        Assert.Equal(
            [new Uri("http://10.0.0.5:5050"), new Uri("http://10.0.0.6:5050")],
            ServerAddress.ResolveAll("10.0.0.5:5050, http://10.0.0.6:5050", null));
        Assert.Equal([new Uri("http://10.0.0.7:1")], ServerAddress.ResolveAll(null, "http://10.0.0.7:1"));

        var empty = Assert.Throws<CliException>(() => ServerAddress.ResolveAll("http://a:1,,http://b:2", null));
        Assert.Contains("empty entry", empty.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<CliException>(() => ServerAddress.ResolveAll(null, "http://a:1,ftp://b:2"));
        Assert.StartsWith("ORVIRT_SERVER", bad.Message, StringComparison.Ordinal);
    }
}
