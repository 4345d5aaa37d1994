using Grpc.Net.Client;
using Orvirt.Api.V1;
using Orvirt.Testing;

namespace Orvirt.Silo.Tests.Api;

/// <summary>One real silo process (no node agent) shared by the API tests of a collection.</summary>
public sealed class SiloFixture : IAsyncLifetime
{
    private SiloProcess? _silo;
    private GrpcChannel? _channel;

    public SiloProcess Silo => _silo ?? throw new InvalidOperationException("the silo is not started");

    public VirtualMachines.VirtualMachinesClient Vms { get; private set; } = null!;

    public Nodes.NodesClient Nodes { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync();
        _channel = _silo.CreateChannel();
        Vms = new VirtualMachines.VirtualMachinesClient(_channel);
        Nodes = new Nodes.NodesClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }

    /// <summary>A namespace no other test uses, so tests sharing the silo do not see each other's VMs.</summary>
    public static string UniqueNamespace(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
}
