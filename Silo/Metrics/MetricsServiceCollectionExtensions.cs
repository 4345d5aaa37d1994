using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Metrics;

/// <summary>Registers the silo's metrics and their Prometheus exporter.</summary>
public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="VmMetrics"/>, its collector, the gRPC metrics interceptor (add it to the gRPC interceptors)
    /// and OpenTelemetry with the Prometheus exporter for the silo's meter and ASP.NET Core's.
    /// </summary>
    public static IServiceCollection AddOrvirtMetrics(this IServiceCollection services)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddSingleton<VmMetrics>();
        // One instance for all calls, so its instruments are created once.
        services.AddSingleton<GrpcMetricsInterceptor>();
        services.AddHostedService<VmMetricsCollector>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orvirt-silo"))
            .WithMetrics(metrics => metrics
            .AddMeter(OrvirtMetrics.SiloMeter)
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>Maps the Prometheus scrape endpoint at <c>/metrics</c> on the given HTTP port only.</summary>
    public static IEndpointConventionBuilder MapOrvirtMetrics(this IEndpointRouteBuilder endpoints, int httpPort) =>
        endpoints.MapPrometheusScrapingEndpoint("/metrics").RequireHost($"*:{httpPort}");
}
