using System.Collections.Immutable;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Orvirt.Interfaces;
using Orvirt.Silo.Options;
using Orvirt.Silo.Security;

namespace Orvirt.Silo.Web;

/// <summary>
/// The accepted bearer tokens, loaded once at start-up from <see cref="HttpAccessOptions"/>. Only SHA-256 digests
/// are kept and compared in fixed time. The gRPC API (<see cref="ApiAccessInterceptor"/>) uses the same instance,
/// with each token's <see cref="TokenGrant"/>: <c>Orvirt:Http:Tokens</c> entries are admin tokens on every namespace;
/// token file lines are <c>TOKEN [admin|viewer] [ns1,ns2]</c> (role default admin, namespaces default all).
/// </summary>
public sealed class AccessTokens
{
    private readonly IReadOnlyList<(byte[] Digest, TokenGrant Grant)> _tokens;

    private AccessTokens(IReadOnlyList<(byte[] Digest, TokenGrant Grant)> tokens) => _tokens = tokens;

    /// <summary>True when at least one token is configured, so every request must present one.</summary>
    public bool Required => _tokens.Count > 0;

    /// <summary>
    /// True when <paramref name="token"/> is a configured token that may see every namespace (any role). The HTTP
    /// pages and <c>/metrics</c> show every namespace, so namespace-limited tokens are for the gRPC API only.
    /// </summary>
    public bool Accepts(string? token) => Authenticate(token) is { AllNamespaces: true };

    /// <summary>The grant of <paramref name="token"/>, or null when it is not a configured token.</summary>
    public TokenGrant? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        TokenGrant? match = null;
        foreach (var (known, grant) in _tokens)
        {
            // Compare against every token so that the time taken does not tell which one matched.
            if (CryptographicOperations.FixedTimeEquals(known, digest))
            {
                match ??= grant;
            }
        }
        return match;
    }

    /// <summary>
    /// Loads the tokens and checks them against the HTTP endpoint. <paramref name="failures"/> gets one message per
    /// problem, each saying how to fix it; in particular a non-loopback endpoint without a token is refused.
    /// </summary>
    public static AccessTokens Load(HttpAccessOptions options, HostPort httpEndpoint, List<string> failures) =>
        Load(options, httpEndpoint, null, failures);

    /// <summary>
    /// As <see cref="Load(HttpAccessOptions, HostPort, List{string})"/>, and also refuses a gRPC endpoint
    /// (<paramref name="grpcEndpoint"/>) that is reachable from other machines while no token is configured.
    /// </summary>
    public static AccessTokens Load(HttpAccessOptions options, HostPort httpEndpoint, HostPort? grpcEndpoint, List<string> failures)
    {
        var tokens = new List<(string Token, TokenGrant Grant)>();
        for (var i = 0; i < options.Tokens.Count; i++)
        {
            if (Check(options.Tokens[i], $"Orvirt:Http:Tokens:{i}", $"ORVIRT__HTTP__TOKENS__{i}", failures) is { } token)
            {
                tokens.Add((token, TokenGrant.AdminEverywhere($"Orvirt:Http:Tokens:{i}")));
            }
        }
        if (!string.IsNullOrWhiteSpace(options.TokenFile))
        {
            try
            {
                var lines = File.ReadAllLines(options.TokenFile);
                for (var i = 0; i < lines.Length; i++)
                {
                    var line = lines[i].Trim();
                    if (line.Length > 0 && !line.StartsWith('#')
                        && ParseLine(line, $"line {i + 1} of Orvirt:Http:TokenFile '{options.TokenFile}'", failures) is { } parsed)
                    {
                        tokens.Add(parsed);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Add($"Orvirt:Http:TokenFile '{options.TokenFile}' cannot be read ({e.Message}); point ORVIRT__HTTP__TOKENFILE at a readable file with one 'TOKEN [admin|viewer] [ns1,ns2]' per line.");
            }
        }
        if (tokens.Count == 0 && !IsLoopback(httpEndpoint))
        {
            failures.Add($"Orvirt:HttpEndpoint {httpEndpoint} is reachable from other machines, so the dashboard, the VM page, /api and /metrics need a bearer token and none is configured. "
                + "Set ORVIRT__HTTP__TOKENS__0 to a secret of at least 16 characters (e.g. the output of 'openssl rand -hex 32'), or ORVIRT__HTTP__TOKENFILE to a file with one token per line; "
                + "or bind to loopback only with ORVIRT__HTTPENDPOINT=127.0.0.1:8080.");
        }
        if (tokens.Count == 0 && grpcEndpoint is { } grpc && !IsLoopback(grpc))
        {
            failures.Add($"Orvirt:GrpcEndpoint {grpc} is reachable from other machines, so the API needs bearer tokens and none is configured. "
                + "Set ORVIRT__HTTP__TOKENFILE to a file with one 'TOKEN [admin|viewer] [ns1,ns2]' per line (a TOKEN of at least 16 characters, e.g. the output of 'openssl rand -hex 32'), "
                + "or ORVIRT__HTTP__TOKENS__0 to an admin token; or bind to loopback only with ORVIRT__GRPCENDPOINT=127.0.0.1:50051.");
        }
        // The first line that names a token wins, so a token listed twice keeps its first grant.
        var distinct = tokens.DistinctBy(t => t.Token, StringComparer.Ordinal)
            .Select(t => (SHA256.HashData(Encoding.UTF8.GetBytes(t.Token)), t.Grant));
        return new AccessTokens([.. distinct]);
    }

    /// <summary>True for 127.0.0.0/8, ::1 and <c>localhost</c>; false for <c>*</c>, 0.0.0.0 and every other address.</summary>
    public static bool IsLoopback(HostPort endpoint) =>
        endpoint.Host == "localhost" || (IPAddress.TryParse(endpoint.Host, out var ip) && IPAddress.IsLoopback(ip));

    // One token file line: TOKEN [admin|viewer] [ns1,ns2]. Messages never quote the token.
    private static (string Token, TokenGrant Grant)? ParseLine(string line, string where, List<string> failures)
    {
        var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > 3)
        {
            failures.Add($"{where} has {parts.Length} fields; write 'TOKEN [admin|viewer] [ns1,ns2]' (namespaces separated by commas without spaces).");
            return null;
        }
        if (Check(parts[0], where, "that line", failures) is not { } token)
        {
            return null;
        }
        var role = TokenRole.Admin;
        if (parts.Length > 1)
        {
            switch (parts[1].ToLowerInvariant())
            {
                case "admin":
                    role = TokenRole.Admin;
                    break;
                case "viewer":
                    role = TokenRole.Viewer;
                    break;
                default:
                    failures.Add($"{where} has the role '{VmValidator.Printable(parts[1])}'; use admin or viewer.");
                    return null;
            }
        }
        ImmutableSortedSet<string>? namespaces = null;
        if (parts.Length > 2)
        {
            var names = parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries);
            var bad = names.Where(n => VmValidator.Dns1123LabelError(n) is not null).ToList();
            if (names.Length == 0 || bad.Count > 0)
            {
                failures.Add($"{where} limits the token to namespaces '{VmValidator.Printable(parts[2])}', which is not a comma-separated list of DNS-1123 labels; write e.g. 'team-a,team-b', or leave the field out for every namespace.");
                return null;
            }
            namespaces = [.. names];
        }
        return (token, new TokenGrant(role, namespaces, where));
    }

    private static string? Check(string? token, string where, string setting, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length < HttpAccessOptions.MinTokenLength)
        {
            failures.Add($"{where} is shorter than {HttpAccessOptions.MinTokenLength} characters; set {setting} to a longer random secret, e.g. the output of 'openssl rand -hex 32'.");
            return null;
        }
        if (token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            failures.Add($"{where} contains spaces or control characters; set {setting} to a token of printable characters only, e.g. the output of 'openssl rand -hex 32'.");
            return null;
        }
        return token;
    }
}
