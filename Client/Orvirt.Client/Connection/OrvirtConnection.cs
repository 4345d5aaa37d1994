using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Orvirt.Api.V1;

namespace Orvirt.Client.Connection;

/// <summary>A channel to the orvirt API with the generated clients on it; dispose it when done.</summary>
public sealed class OrvirtConnection : IDisposable
{
    private readonly IReadOnlyList<GrpcChannel> _channels;
    private readonly FailoverCallInvoker _invoker;

    private OrvirtConnection(IReadOnlyList<GrpcChannel> channels, FailoverCallInvoker invoker)
    {
        _channels = channels;
        _invoker = invoker;
        VirtualMachines = new VirtualMachines.VirtualMachinesClient(invoker);
        Nodes = new Nodes.NodesClient(invoker);
    }

    /// <summary>The server this connection talks to: the one that answered last (the first one before any call).</summary>
    public Uri Address => _invoker.Current;

    /// <summary>The VirtualMachines service client.</summary>
    public VirtualMachines.VirtualMachinesClient VirtualMachines { get; }

    /// <summary>The Nodes service client.</summary>
    public Nodes.NodesClient Nodes { get; }

    /// <summary>
    /// Connects to <paramref name="address"/>. A non-empty <paramref name="bearerToken"/> is sent as
    /// <c>authorization: Bearer ...</c> on every call.
    /// </summary>
    public static OrvirtConnection Create(Uri address, string? bearerToken = null) => Create([address], bearerToken);

    /// <summary>
    /// Connects to the servers of a cluster: calls go to the first, and a call that cannot connect to one server is
    /// sent to the next (see <see cref="FailoverCallInvoker"/>). A non-empty <paramref name="bearerToken"/> is sent as
    /// <c>authorization: Bearer ...</c> on every call.
    /// </summary>
    public static OrvirtConnection Create(IReadOnlyList<Uri> addresses, string? bearerToken = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(addresses.Count);
        var channels = new List<GrpcChannel>(addresses.Count);
        var servers = new List<(Uri, CallInvoker)>(addresses.Count);
        foreach (var address in addresses)
        {
            var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                // A CLI makes a handful of calls; do not keep retrying a dead address in the background.
                MaxRetryAttempts = 0,
            });
            channels.Add(channel);
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
            servers.Add((address, invoker));
        }
        return new OrvirtConnection(channels, new FailoverCallInvoker(servers));
    }

    /// <summary>
    /// Connects to the address(es) chosen from <c>--server</c>, <c>ORVIRT_SERVER</c> or the default (several separated
    /// by commas), with <c>ORVIRT_TOKEN</c> if set.
    /// </summary>
    public static OrvirtConnection FromEnvironment(string? serverFlag) =>
        Create(
            ServerAddress.ResolveAll(serverFlag, Environment.GetEnvironmentVariable(ServerAddress.EnvironmentVariable)),
            Environment.GetEnvironmentVariable(ServerAddress.TokenVariable));

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
