using System.Net;
using Orleans.Configuration;
using Orleans.Connections.Security;
using Orvirt.Interfaces;
using Orvirt.Silo.Options;
using SiloOptions = Orvirt.Silo.Options.SiloOptions;

namespace Orvirt.Silo.Hosting;

/// <summary>
/// Mutual TLS on every Orleans connection of the silo: silo to silo (both directions) and node agent to gateway. Both sides
/// present a certificate, and a peer is accepted only when its certificate chains to the cluster CA of
/// <see cref="ClusterTlsOptions.CaFile"/> and carries the role of that connection (<see cref="ClusterRole"/>): a silo
/// certificate on the silo port and towards other silos, a node agent certificate on the gateway port. So a process without
/// such a certificate cannot join the cluster or register a node, and a node's certificate cannot join as a silo.
/// </summary>
public static class ClusterTls
{
    /// <summary>
    /// Failures, each with its fix, of <paramref name="tls"/>, and the rule that a silo whose silo and gateway ports listen
    /// beyond loopback (Redis mode without <see cref="SiloOptions.AdvertisedAddress"/> or with a non-loopback one) needs
    /// cluster TLS. On success <paramref name="trust"/> holds the loaded certificates (null when cluster TLS is off).
    /// </summary>
    public static List<string> Check(SiloOptions options, ClusterTlsOptions tls, out ClusterTrust? trust)
    {
        trust = null;
        var result = new ClusterTlsOptionsValidator().Validate(null, tls);
        if (result.Failed)
        {
            return [.. result.Failures ?? []];
        }
        var failures = new List<string>();
        if (!tls.Enabled)
        {
            if (ListensBeyondLoopback(options))
            {
                var where = string.IsNullOrWhiteSpace(options.AdvertisedAddress) ? "all interfaces (Orvirt:AdvertisedAddress is empty)" : $"all interfaces (Orvirt:AdvertisedAddress {options.AdvertisedAddress})";
                failures.Add($"Orvirt:ClusterTls is required because the Orleans silo port {options.SiloPort} and gateway port {options.GatewayPort} listen on {where}: any process could join the cluster or register as a node. {ClusterTlsOptions.Fix} (Or set ORVIRT__ADVERTISEDADDRESS=127.0.0.1 for silos on one machine.)");
            }
            return failures;
        }
        trust = ClusterTrust.TryLoad(
            tls.CertificateFile,
            tls.KeyFile,
            tls.CaFile,
            ("ORVIRT__CLUSTERTLS__CERTIFICATEFILE", "ORVIRT__CLUSTERTLS__KEYFILE", "ORVIRT__CLUSTERTLS__CAFILE"),
            server: true,
            ClusterTlsOptions.Fix,
            failures,
            ClusterRole.Silo);
        return failures;
    }

    /// <summary>True when the Orleans silo and gateway ports listen on more than loopback (see <see cref="OrleansBackends"/>).</summary>
    public static bool ListensBeyondLoopback(SiloOptions options) =>
        options.Mode == OrvirtMode.Redis
        && (string.IsNullOrWhiteSpace(options.AdvertisedAddress)
            || !IPAddress.TryParse(options.AdvertisedAddress, out var advertised)
            || !IPAddress.IsLoopback(advertised));

    /// <summary>
    /// Requires mutual TLS with <paramref name="trust"/> on the silo's inbound (silo and gateway) and outbound connections.
    /// Orleans builds one connection pipeline per kind, so each gets its own TLS settings and with them its own rule: the silo
    /// port and connections to other silos accept only silo certificates, the gateway only node agent certificates (only
    /// Orleans clients connect there; silos talk to each other on their silo ports). Refused peers are logged by <paramref name="peers"/>.
    /// </summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, ClusterTrust trust, ClusterPeerCheck peers)
    {
        silo.Services.AddSingleton(peers);
        var siloInbound = Options(trust, peers, ClusterPeerCheck.Connection.SiloPort);
        var gatewayInbound = Options(trust, peers, ClusterPeerCheck.Connection.GatewayPort);
        var siloOutbound = Options(trust, peers, ClusterPeerCheck.Connection.ToSilo);
        silo.Configure<SiloConnectionOptions>(connections =>
        {
            connections.ConfigureSiloInboundConnection(pipeline => pipeline.UseServerTls(siloInbound));
            connections.ConfigureGatewayInboundConnection(pipeline => pipeline.UseServerTls(gatewayInbound));
            connections.ConfigureSiloOutboundConnection(pipeline => pipeline.UseClientTls(siloOutbound));
        });
        return silo;
    }

    private static TlsOptions Options(ClusterTrust trust, ClusterPeerCheck peers, ClusterPeerCheck.Connection connection) => new()
    {
        LocalCertificate = trust.Certificate,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
        RemoteCertificateValidation = (certificate, _, _) => peers.Accept(certificate, connection),
        // Always this certificate, whatever CA names the peer asks for.
        LocalClientCertificateSelector = (_, _, _, _, _) => trust.Certificate,
        // Silo certificates name the silo, not the address; the CA and role checks above are what authenticate the peer.
        OnAuthenticateAsClient = (remote, client) => client.TargetHost = remote.RemoteEndPoint is IPEndPoint ip ? ip.Address.ToString() : "localhost",
    };
}
