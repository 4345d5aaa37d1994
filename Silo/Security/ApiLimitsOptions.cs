namespace Orvirt.Silo.Security;

/// <summary>
/// Bounds that keep one client from exhausting the silo; section <c>Orvirt:Limits</c> (next to the validator's
/// bounds in <see cref="Orvirt.Interfaces.ValidationLimits"/>).
/// </summary>
public sealed class ApiLimitsOptions
{
    public const string Section = "Orvirt:Limits";

    /// <summary>The largest gRPC request message accepted, in bytes; a larger one gets RESOURCE_EXHAUSTED. Default 1 MiB.</summary>
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// VMs one namespace may hold; a create beyond it gets RESOURCE_EXHAUSTED. Default 10,000. Checked against the
    /// index before each create, so creates racing each other may pass it by the number in flight.
    /// </summary>
    public int MaxVmsPerNamespace { get; set; } = 10_000;

    /// <summary>Requests per second one client (a token, or a remote address without one) may make on average. 0 turns the limit off. Default 1,000.</summary>
    public int RequestsPerSecond { get; set; } = 1_000;

    /// <summary>Requests one client may make at once above the average before it is refused. Default 2,000.</summary>
    public int RequestBurst { get; set; } = 2_000;
}
