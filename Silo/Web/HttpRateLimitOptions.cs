namespace Orvirt.Silo.Web;

/// <summary>
/// The per-client request limit of the HTTP endpoint (dashboard, VM page, <c>/api</c>, server-sent events,
/// <c>/metrics</c>); section <c>Orvirt:Http:RateLimit</c>, the HTTP sibling of the gRPC limit in
/// <c>Orvirt:Limits:RequestsPerSecond</c>. A client is a configured bearer token (wherever it calls from), else a
/// remote address. <c>/healthz</c> is never limited; a server-sent-event stream counts once, when it connects.
/// </summary>
public sealed class HttpRateLimitOptions
{
    public const string Section = "Orvirt:Http:RateLimit";

    /// <summary>
    /// Requests one client may make per <see cref="Window"/>; a request beyond it gets 429 with <c>Retry-After</c>.
    /// 0 turns the limit off. Default 300 (a browser loading the dashboard makes a few dozen at once).
    /// </summary>
    public int RequestsPerWindow { get; set; } = 300;

    /// <summary>The length of one counting window, e.g. <c>00:00:01</c>. Default 1 second.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);
}
