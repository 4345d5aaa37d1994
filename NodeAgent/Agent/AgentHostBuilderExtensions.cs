using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>Configures the agent's Orleans client.</summary>
public static class AgentHostBuilderExtensions
{
    /// <summary>
    /// An Orleans client for the gateways in <paramref name="options"/> (localhost clustering for one 127.0.0.1/localhost
    /// gateway, static clustering with every listed gateway otherwise), with the memory stream provider the node stream
    /// uses and endless connect retries.
    /// </summary>
    public static IHostApplicationBuilder UseNodeAgentClient(this IHostApplicationBuilder builder, AgentOptions options)
    {
        if (!AgentOptionsValidator.TryParseGateways(options.Gateway, out var gateways))
        {
            throw new ArgumentException($"gateway '{options.Gateway}' must be host:port or a comma-separated list of them, e.g. 127.0.0.1:30000", nameof(options));
        }
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
            client.AddMemoryStreams(OrvirtNames.StreamProvider);
            client.UseConnectionRetryFilter<ConnectRetryFilter>();
            // A call in flight to a silo that died waits out the response timeout (30 s by default) before the agent
            // retries elsewhere; every agent call is small and retried, so fail fast instead.
            client.Configure<ClientMessagingOptions>(m => m.ResponseTimeout = TimeSpan.FromSeconds(10));
        });
        return builder;
    }
}
