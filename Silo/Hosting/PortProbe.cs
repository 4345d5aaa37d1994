using System.Net;
using System.Net.Sockets;
using Orvirt.Silo.Options;

namespace Orvirt.Silo.Hosting;

/// <summary>
/// Checks before start-up that the configured ports can be bound, so that a taken port is reported with
/// the setting that chose it instead of a bare "address already in use" from deep inside start-up.
/// </summary>
public static class PortProbe
{
    /// <summary>One failure message per port that cannot be bound.</summary>
    public static List<string> Check(SiloOptions options)
    {
        var failures = new List<string>();
        HostPort.TryParse(options.GrpcEndpoint, out var grpc);
        HostPort.TryParse(options.HttpEndpoint, out var http);
        foreach (var (setting, address, port) in new[]
        {
            ("GrpcEndpoint", Address(grpc.Host), grpc.Port),
            ("HttpEndpoint", Address(http.Host), http.Port),
            ("SiloPort", IPAddress.Loopback, options.SiloPort),
            ("GatewayPort", IPAddress.Loopback, options.GatewayPort),
        })
        {
            var listener = new TcpListener(address, port);
            try
            {
                listener.Start();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied or SocketError.AddressNotAvailable)
            {
                failures.Add($"Orvirt:{setting} port {port} on {address} cannot be used ({e.Message}); stop what holds it or set ORVIRT__{setting.ToUpperInvariant()} to a free port.");
            }
            finally
            {
                listener.Stop();
            }
        }
        return failures;
    }

    private static IPAddress Address(string host) => host switch
    {
        "*" => IPAddress.Any,
        "localhost" => IPAddress.Loopback,
        _ => IPAddress.Parse(host),
    };
}
