namespace Orvirt.Silo.Options;

/// <summary>
/// The silo host's settings, bound from the <c>Orvirt</c> configuration section
/// (environment variables <c>ORVIRT__GRPCENDPOINT</c> and so on).
/// </summary>
public sealed class SiloOptions
{
    public const string Section = "Orvirt";

    /// <summary><see cref="OrvirtMode.Embedded"/> (default) or <see cref="OrvirtMode.Redis"/>.</summary>
    public OrvirtMode Mode { get; set; } = OrvirtMode.Embedded;

    /// <summary>Folder of the SQLite state file <c>orvirt.db</c>. Default: <c>$ORVIRT_DATA_DIR</c>, else <c>./.data</c>.</summary>
    public string DataDirectory { get; set; } = Environment.GetEnvironmentVariable("ORVIRT_DATA_DIR") is { Length: > 0 } dir ? dir : ".data";

    /// <summary>host:port of the gRPC API (HTTP/2 only, cleartext). Default <c>127.0.0.1:5050</c>.</summary>
    public string GrpcEndpoint { get; set; } = "127.0.0.1:5050";

    /// <summary>host:port of the HTTP/1.1 endpoint with <c>/healthz</c>. Default <c>127.0.0.1:8080</c>.</summary>
    public string HttpEndpoint { get; set; } = "127.0.0.1:8080";

    /// <summary>Orleans silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans client gateway port (node agents connect here). Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Orleans cluster id. Default <c>orvirt</c>.</summary>
    public string ClusterId { get; set; } = "orvirt";

    /// <summary>Orleans service id; keeps grain state apart between services sharing a store. Default <c>orvirt</c>.</summary>
    public string ServiceId { get; set; } = "orvirt";

    /// <summary>
    /// StackExchange.Redis connection string used in <see cref="OrvirtMode.Redis"/> for membership, grain state,
    /// PubSubStore and reminders, e.g. <c>127.0.0.1:6379</c> or <c>redis:6379,password=...</c>. Default: empty (required in Redis mode).
    /// </summary>
    public string Redis { get; set; } = "";

    /// <summary>
    /// The IP address other silos and node agents use to reach this silo's <see cref="SiloPort"/> and <see cref="GatewayPort"/>
    /// in <see cref="OrvirtMode.Redis"/>. A loopback address (several silos on one machine) makes both ports listen on it alone;
    /// any other address makes them listen on all interfaces. Default: empty, the host's first non-loopback IPv4 address.
    /// </summary>
    public string AdvertisedAddress { get; set; } = "";

    /// <summary>The SQLite state file inside <see cref="DataDirectory"/>.</summary>
    public string DatabasePath => Path.Combine(Path.GetFullPath(DataDirectory), "orvirt.db");
}
