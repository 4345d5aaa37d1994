using System.Net;
using System.Security.Cryptography;
using System.Text;
using Orvirt.Silo.Options;

namespace Orvirt.Silo.Web;

/// <summary>
/// The accepted bearer tokens, loaded once at start-up from <see cref="HttpAccessOptions"/>. Only SHA-256 digests
/// are kept and compared in fixed time. A gRPC interceptor can use the same instance to check the API's callers.
/// </summary>
public sealed class AccessTokens
{
    private readonly IReadOnlyList<byte[]> _digests;

    private AccessTokens(IReadOnlyList<byte[]> digests) => _digests = digests;

    /// <summary>True when at least one token is configured, so every request must present one.</summary>
    public bool Required => _digests.Count > 0;

    /// <summary>True when <paramref name="token"/> is one of the configured tokens.</summary>
    public bool Accepts(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        var match = false;
        foreach (var known in _digests)
        {
            // Compare against every token so that the time taken does not tell which one matched.
            match |= CryptographicOperations.FixedTimeEquals(known, digest);
        }
        return match;
    }

    /// <summary>
    /// Loads the tokens and checks them against the HTTP endpoint. <paramref name="failures"/> gets one message per
    /// problem, each saying how to fix it; in particular a non-loopback endpoint without a token is refused.
    /// </summary>
    public static AccessTokens Load(HttpAccessOptions options, HostPort httpEndpoint, List<string> failures)
    {
        var tokens = new List<string>();
        for (var i = 0; i < options.Tokens.Count; i++)
        {
            Check(options.Tokens[i], $"Orvirt:Http:Tokens:{i}", $"ORVIRT__HTTP__TOKENS__{i}", tokens, failures);
        }
        if (!string.IsNullOrWhiteSpace(options.TokenFile))
        {
            try
            {
                var lines = File.ReadAllLines(options.TokenFile);
                for (var i = 0; i < lines.Length; i++)
                {
                    var line = lines[i].Trim();
                    if (line.Length > 0 && !line.StartsWith('#'))
                    {
                        Check(line, $"line {i + 1} of Orvirt:Http:TokenFile '{options.TokenFile}'", "that line", tokens, failures);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Add($"Orvirt:Http:TokenFile '{options.TokenFile}' cannot be read ({e.Message}); point ORVIRT__HTTP__TOKENFILE at a readable file with one token per line.");
            }
        }
        if (tokens.Count == 0 && !IsLoopback(httpEndpoint))
        {
            failures.Add($"Orvirt:HttpEndpoint {httpEndpoint} is reachable from other machines, so the dashboard, the VM page, /api and /metrics need a bearer token and none is configured. "
                + "Set ORVIRT__HTTP__TOKENS__0 to a secret of at least 16 characters (e.g. the output of 'openssl rand -hex 32'), or ORVIRT__HTTP__TOKENFILE to a file with one token per line; "
                + "or bind to loopback only with ORVIRT__HTTPENDPOINT=127.0.0.1:8080.");
        }
        return new AccessTokens([.. tokens.Distinct(StringComparer.Ordinal).Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t)))]);
    }

    /// <summary>True for 127.0.0.0/8, ::1 and <c>localhost</c>; false for <c>*</c>, 0.0.0.0 and every other address.</summary>
    public static bool IsLoopback(HostPort endpoint) =>
        endpoint.Host == "localhost" || (IPAddress.TryParse(endpoint.Host, out var ip) && IPAddress.IsLoopback(ip));

    private static void Check(string? token, string where, string setting, List<string> tokens, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length < HttpAccessOptions.MinTokenLength)
        {
            failures.Add($"{where} is shorter than {HttpAccessOptions.MinTokenLength} characters; set {setting} to a longer random secret, e.g. the output of 'openssl rand -hex 32'.");
        }
        else if (token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            failures.Add($"{where} contains spaces or control characters; set {setting} to a token of printable characters only, e.g. the output of 'openssl rand -hex 32'.");
        }
        else
        {
            tokens.Add(token);
        }
    }
}
