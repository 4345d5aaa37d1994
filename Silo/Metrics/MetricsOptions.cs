namespace Orvirt.Silo.Metrics;

/// <summary>Settings of the silo's metrics; section <c>Orvirt:Metrics</c> (env <c>ORVIRT__METRICS__*</c>).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Orvirt:Metrics";

    /// <summary>
    /// How often the VM list and the node list are read again in full, to correct anything the event stream
    /// dropped and to refresh <c>orvirt_node_ready</c>. Default 5 s; 1 s to 10 min.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);
}
