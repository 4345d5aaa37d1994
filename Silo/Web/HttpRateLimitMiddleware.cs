using Orvirt.Silo.Security;

namespace Orvirt.Silo.Web;

/// <summary>
/// Counts each request on the HTTP endpoint against its client's fixed window (<see cref="HttpClientKey"/>,
/// <see cref="HttpRateLimitOptions"/>) and answers one beyond it through <see cref="HttpRateLimitRefusals"/>.
/// The windows are computed from the clock when a request comes (<see cref="KeyedTokenBucket"/> with the whole
/// window refilled at once), so no timer runs while the silo is idle.
/// </summary>
public sealed class HttpRateLimitMiddleware : IMiddleware
{
    private readonly HttpRateLimitRefusals _refusals;
    private readonly int _httpPort;
    private readonly KeyedTokenBucket? _windows;

    /// <summary>Creates the middleware for the HTTP endpoint on <paramref name="httpPort"/>.</summary>
    public HttpRateLimitMiddleware(HttpRateLimitOptions options, HttpRateLimitRefusals refusals, int httpPort, TimeProvider time)
    {
        _refusals = refusals;
        _httpPort = httpPort;
        if (options.RequestsPerWindow > 0)
        {
            _windows = new KeyedTokenBucket(options.RequestsPerWindow, options.RequestsPerWindow, options.Window, time);
        }
    }

    /// <inheritdoc />
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (_windows is null
            || context.Connection.LocalPort != _httpPort
            || context.Request.Path.Equals(HttpRateLimit.HealthPath, StringComparison.Ordinal))
        {
            return next(context);
        }
        var key = HttpClientKey.Of(context, context.RequestServices.GetRequiredService<AccessTokens>());
        return _windows.TryAcquire(key, out var retryAfter)
            ? next(context)
            : _refusals.RefuseAsync(context, retryAfter, context.RequestAborted);
    }
}
