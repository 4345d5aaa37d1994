using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Client.Connection;
using Orvirt.Testing;

namespace Orvirt.Resilience.Tests;

/// <summary>Compare-and-set on the generation through the live gRPC API of a real silo.</summary>
public sealed class ConcurrentUpdateTests
{
    private const int Writers = 50;

    [Fact]
    public async Task FiftyParallelUpdatesWithTheSameExpectedGenerationLetExactlyOneWinAndStoreItsSpec()
    {
        await using var silo = await SiloProcess.StartAsync();
        using var api = OrvirtConnection.Create(silo.GrpcAddress);
        var ns = "cas-" + Guid.NewGuid().ToString("N")[..6];
        // Halted: no node is needed, the test is about the stored spec.
        var created = await api.VirtualMachines.CreateAsync(new CreateRequest { Namespace = ns, Name = "db", Spec = Spec(64) });
        var generation = created.Metadata.Generation;

        using var start = new SemaphoreSlim(0, Writers);
        var calls = Enumerable.Range(0, Writers).Select(async i =>
        {
            var request = new UpdateRequest { Namespace = ns, Name = "db", Spec = Spec(65 + i), ExpectedGeneration = generation };
            await start.WaitAsync();
            try
            {
                return (Memory: request.Spec.Memory, Vm: (VirtualMachine?)await api.VirtualMachines.UpdateAsync(request), Status: StatusCode.OK, Detail: "");
            }
            catch (RpcException e)
            {
                return (Memory: request.Spec.Memory, Vm: (VirtualMachine?)null, Status: e.StatusCode, Detail: e.Status.Detail);
            }
        }).ToList();
        // Release every writer at once.
        start.Release(Writers);
        var results = await Task.WhenAll(calls);

        var winner = Assert.Single(results, r => r.Status == StatusCode.OK);
        var losers = results.Where(r => r.Status != StatusCode.OK).ToList();
        Assert.All(losers, r => Assert.True(r.Status == StatusCode.FailedPrecondition, $"a losing update ({r.Memory}) should get FAILED_PRECONDITION, got {r.Status}: {r.Detail}"));
        Assert.Equal(Writers - 1, losers.Count);
        Assert.Contains("generation", losers[0].Detail, StringComparison.OrdinalIgnoreCase);

        var stored = await api.VirtualMachines.GetAsync(new GetRequest { Namespace = ns, Name = "db" });
        Assert.Equal(winner.Memory, stored.Spec.Memory);
        Assert.Equal((generation + 1, winner.Vm!.Metadata.Generation), (stored.Metadata.Generation, stored.Metadata.Generation));
    }

    private static VirtualMachineSpec Spec(int memoryMi) => new()
    {
        RunStrategy = "Halted",
        Cpu = new Cpu { Sockets = 1, Cores = 1, Threads = 1 },
        Memory = $"{memoryMi}Mi",
    };
}
