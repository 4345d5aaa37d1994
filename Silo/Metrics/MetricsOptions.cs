namespace Orvirt.Silo.Metrics;

/// <summary>Settings of the silo's metrics; section <c>Orvirt:Metrics</c> (env <c>ORVIRT__METRICS__*</c>).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Orvirt:Metrics";

    /// <summary>
    /// How often the node list is read again, to refresh <c>orvirt_node_ready</c> (readiness is not pushed as an event).
    /// Default 5 s; 1 s to 10 min.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often every VM is read again in full, to correct anything the event stream dropped (a stream failure or a
    /// collector that falls behind resubscribes and relists at once, so this is only a safety net). Default 60 s;
    /// from <see cref="RefreshInterval"/> to 1 h. A relist is one grain call per VM: with 1,000 VMs a 5 s relist cost
    /// about 1 point of a core of idle silo CPU (bench/RESULTS.md).
    /// </summary>
    public TimeSpan VmRelistInterval { get; set; } = TimeSpan.FromSeconds(60);
}
