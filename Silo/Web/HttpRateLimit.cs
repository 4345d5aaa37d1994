using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Orvirt.Silo.Web;

/// <summary>
/// Wires ASP.NET Core's rate limiter in front of the HTTP endpoint: one fixed window of
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
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                if (options.RequestsPerWindow == 0
                    || context.Connection.LocalPort != httpPort
                    || context.Request.Path.Equals(HealthPath, StringComparison.Ordinal))
                {
                    return RateLimitPartition.GetNoLimiter("unlimited");
                }
                var key = HttpClientKey.Of(context, context.RequestServices.GetRequiredService<AccessTokens>());
                return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.RequestsPerWindow,
                    Window = options.Window,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = (rejected, cancellationToken) =>
            {
                TimeSpan? retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : null;
                var refusals = rejected.HttpContext.RequestServices.GetRequiredService<HttpRateLimitRefusals>();
                return new ValueTask(refusals.RefuseAsync(rejected.HttpContext, retryAfter, cancellationToken));
            };
        });
        return services;
    }

    /// <summary>Adds the limiter to the pipeline; call it before the bearer-token check so that unauthenticated floods count too.</summary>
    public static IApplicationBuilder UseOrvirtHttpRateLimit(this IApplicationBuilder app) => app.UseRateLimiter();
}
