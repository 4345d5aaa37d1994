using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Orvirt.Silo.Web;

namespace Orvirt.Silo.Security;

/// <summary>
/// Who is calling: the grant of the bearer token sent with a gRPC call (or null), and the key the rate limiter
/// counts the call against. Resolved once per call and kept in <see cref="ServerCallContext.UserState"/>.
/// </summary>
public sealed record CallerIdentity(TokenGrant? Grant, bool SentToken, string RateKey)
{
    private const string UserStateKey = "orvirt.caller";

    /// <summary>The caller of <paramref name="context"/>, checked against <paramref name="tokens"/>.</summary>
    public static CallerIdentity Of(ServerCallContext context, AccessTokens tokens)
    {
        if (context.UserState.TryGetValue(UserStateKey, out var cached) && cached is CallerIdentity known)
        {
            return known;
        }
        var header = context.RequestHeaders.GetValue("authorization");
        var sent = !string.IsNullOrEmpty(header);
        string? token = null;
        if (sent && header!.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
        }
        var grant = tokens.Authenticate(token);
        // A valid token is its own client, wherever it calls from; anything else is counted by remote address,
        // so that rotating made-up tokens does not escape the limit. The key holds a digest, never the token.
        var key = grant is not null
            ? "token:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token!)))[..16]
            : "peer:" + PeerAddress(context.Peer);
        var identity = new CallerIdentity(grant, sent, key);
        context.UserState[UserStateKey] = identity;
        return identity;
    }

    // "ipv4:127.0.0.1:5000" or "ipv6:[::1]:5000" → the address without the port.
    private static string PeerAddress(string peer)
    {
        var colon = peer.LastIndexOf(':');
        return colon > 0 ? peer[..colon] : peer;
    }
}
