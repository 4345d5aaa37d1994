namespace Orvirt.Silo.Dashboard;

/// <summary>Settings of the Orleans dashboard; section <c>Orvirt:Dashboard</c> (env <c>ORVIRT__DASHBOARD__*</c>).</summary>
public sealed class DashboardTuningOptions
{
    public const string Section = "Orvirt:Dashboard";

    /// <summary>
    /// How often the dashboard samples the silo's counters (its charts get one point per sample). Each sample collects
    /// every Orleans instrument, some of which walk every activation and directory entry, so a short interval costs idle
    /// CPU in proportion to the grain count: at the dashboard's own default of 1 s it was the second largest idle cost
    /// with 1,000 VMs. Default 10 s; 1 s to 10 min.
    /// </summary>
    public TimeSpan CounterUpdateInterval { get; set; } = TimeSpan.FromSeconds(10);
}
