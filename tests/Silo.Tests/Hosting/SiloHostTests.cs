using System.Collections.Concurrent;
using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Testing;
using static Orvirt.Silo.Tests.Api.Requests;

namespace Orvirt.Silo.Tests.Hosting;

/// <summary>Tests that start, kill and restart their own silo processes.</summary>
[Collection(Name)]
public sealed class SiloHostTests
{
    public const string Name = "silo-host";

    [Fact]
    public async Task EveryAcknowledgedCreateSurvivesASigkillAndRestart()
    {
        const int count = 200;
        var acknowledged = new ConcurrentDictionary<string, (string Uid, long Generation)>();
        await using var first = await SiloProcess.StartAsync();
        using (var channel = first.CreateChannel())
        {
            var vms = new VirtualMachines.VirtualMachinesClient(channel);
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            {
                var vm = await vms.CreateAsync(Create("burst", $"vm-{i:D3}", runStrategy: i % 2 == 0 ? "Halted" : "Always"), cancellationToken: ct);
                acknowledged[vm.Metadata.Name] = (vm.Metadata.Uid, vm.Metadata.Generation);
            });
        }
        await first.KillAsync();
        Assert.Equal(count, acknowledged.Count);

        await using var second = await SiloProcess.StartAsync(new SiloProcessOptions { DataDirectory = first.DataDirectory });
        using var channel2 = second.CreateChannel();
        var after = new VirtualMachines.VirtualMachinesClient(channel2);
        var missing = new List<string>();
        foreach (var (name, (uid, generation)) in acknowledged.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            try
            {
                var vm = await after.GetAsync(new GetRequest { Namespace = "burst", Name = name });
                if (vm.Metadata.Uid != uid || vm.Metadata.Generation != generation)
                {
                    missing.Add($"{name}: uid {vm.Metadata.Uid} gen {vm.Metadata.Generation}, acknowledged uid {uid} gen {generation}");
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                missing.Add($"{name}: not found");
            }
        }
        Assert.True(missing.Count == 0, $"{missing.Count} of {count} acknowledged creates were lost or changed after SIGKILL:\n{string.Join("\n", missing)}\nsilo output:\n{second.Output}");
        var listed = await after.ListAsync(new ListRequest { Namespace = "burst" });
        Assert.Equal(acknowledged.Keys.Order(StringComparer.Ordinal), listed.Items.Select(i => i.Metadata.Name));
    }

    [Theory]
    [InlineData("ORVIRT__GRPCENDPOINT", "127.0.0.1:99999", "ORVIRT__GRPCENDPOINT=127.0.0.1:5050")]
    [InlineData("ORVIRT__SILOPORT", "0", "ORVIRT__SILOPORT=11111")]
    [InlineData("ORVIRT__STREAMS__BATCHSIZE", "0", "ORVIRT__STREAMS__BATCHSIZE=100")]
    [InlineData("ORVIRT__LIMITS__MAXVCPUS", "0", "ORVIRT__LIMITS__MAXVCPUS=512")]
    [InlineData("ORVIRT__MODE", "Redis", "ORVIRT__REDIS=127.0.0.1:6379")]
    public async Task ABadSettingStopsTheSiloWithAMessageThatSaysHowToFixIt(string variable, string value, string fix)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            SiloProcess.StartAsync(new SiloProcessOptions { Environment = new Dictionary<string, string> { [variable] = value } }));

        Assert.Contains("exited with code 2", error.Message);
        Assert.Contains(fix, error.Message);
    }

    [Fact]
    public async Task ATakenPortStopsTheSiloNamingTheSettingThatChoseIt()
    {
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                SiloProcess.StartAsync(new SiloProcessOptions { Environment = new Dictionary<string, string> { ["ORVIRT__GRPCENDPOINT"] = $"127.0.0.1:{port}" } }));

            Assert.Contains($"Orvirt:GrpcEndpoint port {port}", error.Message);
            Assert.Contains("ORVIRT__GRPCENDPOINT", error.Message);
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public async Task HealthzAnswersOnTheHttpEndpointOnlyAndGrpcOnlyOnTheGrpcEndpoint()
    {
        await using var silo = await SiloProcess.StartAsync();
        using var http = new HttpClient();

        var health = await http.GetAsync(new Uri(silo.HttpAddress, "/healthz"));
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", (await health.Content.ReadAsStringAsync()).Trim());

        // gRPC is not served on the HTTP/1.1 endpoint.
        using var wrongChannel = Grpc.Net.Client.GrpcChannel.ForAddress(silo.HttpAddress);
        var wrong = new VirtualMachines.VirtualMachinesClient(wrongChannel);
        await Assert.ThrowsAsync<RpcException>(async () => await wrong.GetAsync(new GetRequest { Name = "x" }));
    }
}
