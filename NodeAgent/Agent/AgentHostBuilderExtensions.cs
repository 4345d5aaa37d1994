using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Connections.Security;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>Configures the agent's Orleans client.</summary>
public static class AgentHostBuilderExtensions
{
    /// <summary>
    /// An Orleans client for the gateways in <paramref name="options"/> (localhost clustering for one 127.0.0.1/localhost
    /// gateway, static clustering with every listed gateway otherwise), with the memory stream provider the node stream
    /// uses and endless connect retries. With <paramref name="trust"/> (cluster TLS, see <see cref="AgentTlsOptions"/>) every
    /// gateway connection is mutual TLS: the agent presents its certificate and accepts only a gateway whose certificate
    /// chains to the cluster CA and is a silo certificate (<see cref="ClusterRole.Silo"/>).
    /// </summary>
    public static IHostApplicationBuilder UseNodeAgentClient(this IHostApplicationBuilder builder, AgentOptions options, ClusterTrust? trust = null)
    {
        if (!AgentOptionsValidator.TryParseGateways(options.Gateway, out var gateways))
        {
            throw new ArgumentException($"gateway '{options.Gateway}' must be host:port or a comma-separated list of them, e.g. 127.0.0.1:30000", nameof(options));
        }
        builder.Services.AddSingleton(new GatewayTlsProbe(gateways, trust));
        // Before the Orleans client, whose start waits for a gateway: the watch runs while the client retries.
        builder.Services.AddSingleton<GatewayTlsWatch>();
        builder.Services.AddHostedService(s => s.GetRequiredService<GatewayTlsWatch>());
        builder.UseOrleansClient(client =>
        {
            if (gateways is [("127.0.0.1" or "localhost", var port)])
            {
                client.UseLocalhostClustering(port, options.ServiceId, options.ClusterId);
            }
            else
            {
                client.UseStaticClustering([.. gateways.Select(g => new IPEndPoint(IPAddress.TryParse(g.Host, out var ip) ? ip : Dns.GetHostAddresses(g.Host)[0], g.Port))]);
                client.Configure<ClusterOptions>(c =>
                {
                    c.ClusterId = options.ClusterId;
                    c.ServiceId = options.ServiceId;
                });
            }
            if (trust is not null)
            {
                client.UseTls(trust.Certificate, tls =>
                {
                    tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
                    tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
                    // The cluster CA and the silo role decide (a node's certificate cannot pose as a gateway); the system
                    // store and the certificate's names play no part. GatewayTlsProbe explains a refusal.
                    tls.RemoteCertificateValidation = (certificate, _, _) =>
                        trust.IsTrusted(certificate, out _) && ClusterTrust.RoleProblem(certificate, ClusterRole.Silo) is null;
                    tls.LocalClientCertificateSelector = (_, _, _, _, _) => trust.Certificate;
                    tls.OnAuthenticateAsClient = (connection, ssl) =>
                        ssl.TargetHost = connection.RemoteEndPoint is IPEndPoint ip ? ip.Address.ToString() : "localhost";
                });
            }
            client.AddMemoryStreams(OrvirtNames.StreamProvider);
            client.UseConnectionRetryFilter<ConnectRetryFilter>();
            // A call in flight to a silo that died waits out the response timeout (30 s by default) before the agent
            // retries elsewhere; every agent call is small and retried, so fail fast instead.
            client.Configure<ClientMessagingOptions>(m => m.ResponseTimeout = TimeSpan.FromSeconds(10));
        });
        return builder;
    }
}
