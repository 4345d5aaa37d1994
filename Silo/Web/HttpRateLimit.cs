namespace Orvirt.Silo.Web;

/// <summary>
/// Puts the per-client limit (<see cref="HttpRateLimitMiddleware"/>) in front of the HTTP endpoint: one fixed window of
/// <see cref="HttpRateLimitOptions.RequestsPerWindow"/> per client (<see cref="HttpClientKey"/>). Requests on other
/// ports (gRPC has its own limit) and <c>/healthz</c> are not counted.
/// </summary>
public static class HttpRateLimit
{
    /// <summary>The path kubelet probes; never limited.</summary>
    public const string HealthPath = "/healthz";

    /// <summary>Registers the limiter for the HTTP endpoint on <paramref name="httpPort"/>.</summary>
    public static IServiceCollection AddOrvirtHttpRateLimit(this IServiceCollection services, HttpRateLimitOptions options, int httpPort)
    {
        services.AddSingleton(options);
        services.AddSingleton<HttpRateLimitRefusals>();
        services.AddSingleton(provider => new HttpRateLimitMiddleware(
            options, provider.GetRequiredService<HttpRateLimitRefusals>(), httpPort, provider.GetService<TimeProvider>() ?? TimeProvider.System));
        return services;
    }

    /// <summary>Adds the limiter to the pipeline; call it before the bearer-token check so that unauthenticated floods count too.</summary>
    public static IApplicationBuilder UseOrvirtHttpRateLimit(this IApplicationBuilder app) => app.UseMiddleware<HttpRateLimitMiddleware>();
}
