using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Options;
using Orvirt.Silo.Api;

namespace Orvirt.Silo.Security;

/// <summary>Registers the API's access control and limits.</summary>
public static class SecurityServiceCollectionExtensions
{
    /// <summary>The log category of ASP.NET Core's "Request starting/finished" lines.</summary>
    public const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// Binds <see cref="ApiLimitsOptions"/> from <c>Orvirt:Limits</c>, caps gRPC request messages at
    /// <see cref="ApiLimitsOptions.MaxRequestBytes"/>, and adds the rate limiter and token check to every gRPC
    /// service, after the interceptors already added (so metrics still see their status codes). Call after
    /// <c>AddGrpc</c>; needs an <see cref="Web.AccessTokens"/> singleton.
    /// </summary>
    public static IServiceCollection AddOrvirtApiSecurity(this IServiceCollection services)
    {
        services.AddOptions<ApiLimitsOptions>().BindConfiguration(ApiLimitsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiLimitsOptions>, ApiLimitsOptionsValidator>();
        services.AddSingleton<ClientRateLimiter>();
        services.AddSingleton<RateLimitInterceptor>();
        services.AddSingleton<ApiAccessInterceptor>();
        services.AddSingleton<NamespaceQuota>();
        // Hosting logs every request line with its query string, which may carry ?access_token= (the browser's
        // one-time login): keep that category at Warning whatever the configuration says, so tokens never reach a log.
        services.AddLogging(logging => logging.AddFilter(HostingDiagnosticsCategory, LogLevel.Warning));
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<ApiLimitsOptions>>((grpc, limits) =>
        {
            grpc.MaxReceiveMessageSize = limits.Value.MaxRequestBytes;
            // Cheapest refusal first: a flood is turned away before its tokens are even checked in detail.
            grpc.Interceptors.Add<RateLimitInterceptor>();
            grpc.Interceptors.Add<ApiAccessInterceptor>();
        });
        return services;
    }
}
