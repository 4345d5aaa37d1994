namespace Orvirt.Grains;

/// <summary>
/// Tunables of the VM controller (the VM, node and directory grains). The silo binds them from
/// <see cref="SectionName"/>; every default below is what a production install uses.
/// </summary>
public sealed class VmControllerOptions
{
    /// <summary>The configuration section the silo binds: <c>Orvirt:Controller</c>.</summary>
    public const string SectionName = "Orvirt:Controller";

    /// <summary>First restart delay after a crash (KubeVirt's crash-loop base). Default 10 s.</summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest restart delay; the delay doubles per consecutive failure up to this. Default 300 s (KubeVirt's cap).</summary>
    public TimeSpan BackoffCap { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>A run that stayed Running this long resets the consecutive-failure count. Default 60 s.</summary>
    public TimeSpan BackoffResetAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A node without a heartbeat for this long becomes NotReady. Default 15 s.</summary>
    public TimeSpan NodeHeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a node stays NotReady before it is fenced: its epoch rises, its reservations are released and its VMs
    /// fail over (Always, RerunOnFailure) or are marked failed with <c>NodeUnresponsive</c> (Manual, Once). Long enough
    /// for a short network hiccup, short enough that VMs do not stay down for long. Default 30 s.
    /// </summary>
    public TimeSpan FenceGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many phase transitions a VM's status keeps. Default 10.</summary>
    public int MaxPhaseTransitions { get; set; } = 10;
}
