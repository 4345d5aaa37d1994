using System.Security.Cryptography;
using System.Text;

namespace Orvirt.Silo.Web;

/// <summary>
/// The key the HTTP rate limit counts a request against: <c>token:</c> and a digest prefix for a configured token
/// (sent as a bearer header, the session cookie or <c>?access_token=</c>), else <c>addr:</c> and the remote address,
/// so that rotating made-up tokens does not escape the limit. The key never holds the token itself.
/// </summary>
public static class HttpClientKey
{
    /// <summary>The key of <paramref name="context"/>'s caller, checked against <paramref name="tokens"/>.</summary>
    public static string Of(HttpContext context, AccessTokens tokens)
    {
        if (tokens.Required && SentToken(context.Request) is { } token && tokens.Authenticate(token) is not null)
        {
            return "token:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..16];
        }
        return "addr:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }

    // The token a request carries, in the order BearerTokenMiddleware looks for it; null when there is none.
    private static string? SentToken(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) && request.Query.TryGetValue(BearerTokenMiddleware.QueryParameter, out var fromQuery))
        {
            return fromQuery.ToString();
        }
        var header = request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        }
        return request.Cookies.TryGetValue(BearerTokenMiddleware.CookieName, out var cookie) ? cookie : null;
    }
}
