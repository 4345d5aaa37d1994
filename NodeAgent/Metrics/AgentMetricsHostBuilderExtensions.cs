using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;

namespace Orvirt.NodeAgent.Metrics;

/// <summary>Serves the agent's metrics in Prometheus text format when <see cref="AgentOptions.MetricsEndpoint"/> is set.</summary>
public static class AgentMetricsHostBuilderExtensions
{
    /// <summary>
    /// When <paramref name="options"/> has a <see cref="AgentOptions.MetricsEndpoint"/>, adds OpenTelemetry with the agent's
    /// meter and a Prometheus HttpListener serving <c>/metrics</c> on it; does nothing when it is empty.
    /// </summary>
    public static IHostApplicationBuilder UseNodeAgentMetrics(this IHostApplicationBuilder builder, AgentOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.MetricsEndpoint))
        {
            return builder;
        }
        var (host, port) = MetricsEndpoint.Parse(options.MetricsEndpoint);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orvirt-agent"))
            .WithMetrics(metrics => metrics
                .AddMeter(OrvirtMetrics.AgentMeter)
                .AddPrometheusHttpListener(listener =>
                {
                    listener.Host = host;
                    listener.Port = port;
                    listener.ScrapeEndpointPath = "/metrics";
                }));
        return builder;
    }
}
