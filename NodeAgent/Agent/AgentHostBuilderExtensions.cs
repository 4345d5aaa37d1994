using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>Configures the agent's Orleans client.</summary>
public static class AgentHostBuilderExtensions
{
    /// <summary>
    /// An Orleans client for the gateway in <paramref name="options"/> (localhost clustering for 127.0.0.1/localhost,
    /// static otherwise), with the memory stream provider the node stream uses and endless connect retries.
    /// </summary>
    public static IHostApplicationBuilder UseNodeAgentClient(this IHostApplicationBuilder builder, AgentOptions options)
    {
        if (!AgentOptionsValidator.TryParseGateway(options.Gateway, out var host, out var port))
        {
            throw new ArgumentException($"gateway '{options.Gateway}' must be host:port, e.g. 127.0.0.1:30000", nameof(options));
        }
        builder.UseOrleansClient(client =>
        {
            if (host is "127.0.0.1" or "localhost")
            {
                client.UseLocalhostClustering(port, options.ServiceId, options.ClusterId);
            }
            else
            {
                var address = IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host)[0];
                client.UseStaticClustering(new IPEndPoint(address, port));
                client.Configure<ClusterOptions>(c =>
                {
                    c.ClusterId = options.ClusterId;
                    c.ServiceId = options.ServiceId;
                });
            }
            client.AddMemoryStreams(OrvirtNames.StreamProvider);
            client.UseConnectionRetryFilter<ConnectRetryFilter>();
        });
        return builder;
    }
}
