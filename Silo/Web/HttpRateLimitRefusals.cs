namespace Orvirt.Silo.Web;

/// <summary>
/// Answers a request refused by the HTTP rate limit: 429, <c>Retry-After</c> and a JSON <see cref="ApiError"/>
/// naming the limit and the setting that raises it. Logs the first refusal and then every 1,000th, with the
/// remote address only (never the token), so that a flood does not also flood the log.
/// </summary>
public sealed partial class HttpRateLimitRefusals
{
    private readonly HttpRateLimitOptions _options;
    private readonly ILogger<HttpRateLimitRefusals> _logger;
    private long _refused;

    public HttpRateLimitRefusals(HttpRateLimitOptions options, ILogger<HttpRateLimitRefusals> logger)
    {
        _options = options;
        _logger = logger;
    }

    /// <summary>Requests refused since the silo started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Writes the 429 answer; <paramref name="retryAfter"/> is the limiter's hint, or null when it gave none.</summary>
    public async Task RefuseAsync(HttpContext context, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var refused = Interlocked.Increment(ref _refused);
        if (refused % 1000 == 1)
        {
            LogRefused(_logger, context.Request.Method, context.Request.Path.ToString(), context.Connection.RemoteIpAddress?.ToString() ?? "?",
                _options.RequestsPerWindow, _options.Window.TotalMilliseconds, refused);
        }
        var wait = retryAfter is { } hint && hint > TimeSpan.Zero ? hint : _options.Window;
        var millis = Math.Max(1, (long)Math.Ceiling(wait.TotalMilliseconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        // Retry-After takes whole seconds; the body gives the exact delay.
        context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var error = new ApiError(
            "Orvirt:Http:RateLimit:RequestsPerWindow",
            $"too many requests from this client (limit {_options.RequestsPerWindow} per {_options.Window.TotalMilliseconds:0.###} ms on the HTTP endpoint); retry after {millis} ms, "
                + "or ask the operator to raise ORVIRT__HTTP__RATELIMIT__REQUESTSPERWINDOW");
        await context.Response.WriteAsJsonAsync(error, WebJson.Options, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "HTTP rate limit: refused {Method} {Path} from {Remote} (limit {Limit} per {WindowMs} ms per client; {Refused} refusals so far)")]
    private static partial void LogRefused(ILogger logger, string method, string path, string remote, int limit, double windowMs, long refused);
}
