using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Orvirt.Silo.Options;

namespace Orvirt.Silo.Hosting;

/// <summary>
/// The two Kestrel endpoints. gRPC gets an HTTP/2-only endpoint and health (later the dashboard and metrics)
/// an HTTP/1.1-only one: over cleartext Kestrel cannot tell HTTP/1.1 from HTTP/2 on one port, because
/// there is no TLS ALPN to negotiate with.
/// </summary>
public static class KestrelEndpoints
{
    public static void Listen(KestrelServerOptions kestrel, HostPort endpoint, HttpProtocols protocols)
    {
        switch (endpoint.Host)
        {
            case "*":
                kestrel.ListenAnyIP(endpoint.Port, o => o.Protocols = protocols);
                break;
            case "localhost":
                kestrel.ListenLocalhost(endpoint.Port, o => o.Protocols = protocols);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(endpoint.Host), endpoint.Port, o => o.Protocols = protocols);
                break;
        }
    }
}
