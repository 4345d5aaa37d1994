namespace Orvirt.Silo.Web;

/// <summary>
/// Who may use the HTTP endpoint (dashboard, VM page, <c>/api</c>, <c>/metrics</c>); section <c>Orvirt:Http</c>.
/// With no token the endpoint is open, which is allowed only on a loopback address. The same tokens are meant
/// for the gRPC API (see <see cref="AccessTokens"/>).
/// </summary>
public sealed class HttpAccessOptions
{
    public const string Section = "Orvirt:Http";

    /// <summary>The shortest token accepted.</summary>
    public const int MinTokenLength = 16;

    /// <summary>Accepted bearer tokens, e.g. <c>ORVIRT__HTTP__TOKENS__0=...</c>. Default: none.</summary>
    public List<string> Tokens { get; set; } = [];

    /// <summary>A file with one accepted token per line (blank lines and lines starting with # are skipped), e.g. a mounted secret. Default: none.</summary>
    public string? TokenFile { get; set; }
}
