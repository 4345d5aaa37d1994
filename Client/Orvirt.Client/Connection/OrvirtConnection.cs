using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Orvirt.Api.V1;

namespace Orvirt.Client.Connection;

/// <summary>A channel to the orvirt API with the generated clients on it; dispose it when done.</summary>
public sealed class OrvirtConnection : IDisposable
{
    private readonly GrpcChannel _channel;

    private OrvirtConnection(Uri address, GrpcChannel channel, CallInvoker invoker)
    {
        Address = address;
        _channel = channel;
        VirtualMachines = new VirtualMachines.VirtualMachinesClient(invoker);
        Nodes = new Nodes.NodesClient(invoker);
    }

    /// <summary>The server this connection talks to.</summary>
    public Uri Address { get; }

    /// <summary>The VirtualMachines service client.</summary>
    public VirtualMachines.VirtualMachinesClient VirtualMachines { get; }

    /// <summary>The Nodes service client.</summary>
    public Nodes.NodesClient Nodes { get; }

    /// <summary>
    /// Connects to <paramref name="address"/>. A non-empty <paramref name="bearerToken"/> is sent as
    /// <c>authorization: Bearer ...</c> on every call.
    /// </summary>
    public static OrvirtConnection Create(Uri address, string? bearerToken = null)
    {
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            // A CLI makes a handful of calls; do not keep retrying a dead address in the background.
            MaxRetryAttempts = 0,
        });
        CallInvoker invoker = channel.CreateCallInvoker();
        if (!string.IsNullOrWhiteSpace(bearerToken))
        {
            var header = "Bearer " + bearerToken.Trim();
            invoker = invoker.Intercept(metadata =>
            {
                metadata.Add("authorization", header);
                return metadata;
            });
        }
        return new OrvirtConnection(address, channel, invoker);
    }

    /// <summary>Connects to the address chosen from <c>--server</c>, <c>ORVIRT_SERVER</c> or the default, with <c>ORVIRT_TOKEN</c> if set.</summary>
    public static OrvirtConnection FromEnvironment(string? serverFlag) =>
        Create(
            ServerAddress.Resolve(serverFlag, Environment.GetEnvironmentVariable(ServerAddress.EnvironmentVariable)),
            Environment.GetEnvironmentVariable(ServerAddress.TokenVariable));

    /// <inheritdoc />
    public void Dispose() => _channel.Dispose();
}
