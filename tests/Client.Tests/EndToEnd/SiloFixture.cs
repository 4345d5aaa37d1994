using Orvirt.Testing;

namespace Orvirt.Client.Tests.EndToEnd;

/// <summary>One real silo for the end-to-end collection, on free 127.0.0.1 ports; stopped and cleaned up after it.</summary>
public sealed class SiloFixture : IAsyncLifetime
{
    private SiloProcess? _silo;

    /// <summary>The silo's gRPC address.</summary>
    public Uri Server => _silo?.GrpcAddress ?? throw new InvalidOperationException("the silo is not started");

    /// <summary>What the silo logged, for failure messages.</summary>
    public string Output => _silo?.Output ?? "";

    public async Task InitializeAsync() => _silo = await SiloProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }
}
