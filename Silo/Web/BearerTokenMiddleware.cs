
namespace Orvirt.Silo.Web;

/// <summary>
/// Guards the HTTP endpoint when tokens are configured: every request except <c>/healthz</c> needs
/// <c>Authorization: Bearer &lt;token&gt;</c> or the session cookie, else it gets 401. A browser opens
/// <c>/?access_token=&lt;token&gt;</c> once; the token is then kept in an HttpOnly, same-site cookie and the
/// address is redirected without it, so the page's own requests and the dashboard work without a header.
/// </summary>
public sealed partial class BearerTokenMiddleware
{
    /// <summary>The cookie that carries the token for a browser.</summary>
    public const string CookieName = "orvirt_token";

    /// <summary>The query parameter a browser may pass the token in once.</summary>
    public const string QueryParameter = "access_token";

    private readonly RequestDelegate _next;
    private readonly AccessTokens _tokens;
    private readonly int _httpPort;
    private readonly ILogger<BearerTokenMiddleware> _logger;

    public BearerTokenMiddleware(RequestDelegate next, AccessTokens tokens, int httpPort, ILogger<BearerTokenMiddleware> logger)
    {
        _next = next;
        _tokens = tokens;
        _httpPort = httpPort;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (!_tokens.Required || context.Connection.LocalPort != _httpPort || context.Request.Path.Equals("/healthz", StringComparison.Ordinal))
        {
            await _next(context);
            return;
        }
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) && request.Query.TryGetValue(QueryParameter, out var fromQuery))
        {
            if (_tokens.Accepts(fromQuery.ToString()))
            {
                context.Response.Cookies.Append(CookieName, fromQuery.ToString(), new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Secure = request.IsHttps,
                    Path = "/",
                });
                var rest = request.Query.Where(q => q.Key != QueryParameter).ToDictionary(q => q.Key, q => q.Value);
                var target = request.PathBase + request.Path + QueryString.Create(rest);
                context.Response.Redirect(target);
                return;
            }
            await RefuseAsync(context, "the access_token in the address is wrong");
            return;
        }
        var header = request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && _tokens.Accepts(header["Bearer ".Length..].Trim()))
            {
                await _next(context);
                return;
            }
            await RefuseAsync(context, "the bearer token is wrong");
            return;
        }
        if (request.Cookies.TryGetValue(CookieName, out var cookie) && _tokens.Accepts(cookie))
        {
            await _next(context);
            return;
        }
        await RefuseAsync(context, "no bearer token was sent");
    }

    private async Task RefuseAsync(HttpContext context, string problem)
    {
        LogRefused(_logger, context.Request.Method, context.Request.Path.ToString(), context.Connection.RemoteIpAddress?.ToString() ?? "?", problem);
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers[Microsoft.Net.Http.Headers.HeaderNames.WWWAuthenticate] = "Bearer realm=\"orvirt\"";
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(
            $"401 Unauthorized: {problem}. Send 'Authorization: Bearer <token>' (one of Orvirt:Http:Tokens), or in a browser open /?{QueryParameter}=<token> once.\n");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Method} {Path} from {Remote}: {Problem}")]
    private static partial void LogRefused(ILogger logger, string method, string path, string remote, string problem);
}
