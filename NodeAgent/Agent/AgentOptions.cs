namespace Orvirt.NodeAgent.Agent;

/// <summary>Settings of the node agent; section <c>Agent</c> (env <c>ORVIRT_AGENT__*</c>, or command-line flags).</summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>This node's name (a DNS-1123 label). Default: the host name, lower-cased.</summary>
    public string Node { get; set; } = Environment.MachineName.ToLowerInvariant();

    /// <summary>Where pods live. Keep it short: unix socket paths are limited to 108 bytes. Default <c>/var/lib/orvirt/pods</c>.</summary>
    public string PodsDirectory { get; set; } = "/var/lib/orvirt/pods";

    /// <summary>Base images for <c>image</c> disks; disk paths must resolve inside it. Default <c>/var/lib/orvirt/images</c>.</summary>
    public string ImagesDirectory { get; set; } = "/var/lib/orvirt/images";

    /// <summary><c>process</c> (private libvirtd + QEMU per VM), <c>test</c> (libvirt test driver) or <c>auto</c> (process when libvirtd and QEMU are installed). Default <c>auto</c>.</summary>
    public string Runtime { get; set; } = "auto";

    /// <summary>
    /// The Orleans gateway, <c>host:port</c>, or several separated by commas (one per silo of a cluster; the agent
    /// moves to another when one dies). Default <c>127.0.0.1:30000</c>.
    /// </summary>
    public string Gateway { get; set; } = "127.0.0.1:30000";

    /// <summary>Orleans cluster id; must match the silo's. Default <c>orvirt</c>.</summary>
    public string ClusterId { get; set; } = "orvirt";

    /// <summary>Orleans service id; must match the silo's. Default <c>orvirt</c>.</summary>
    public string ServiceId { get; set; } = "orvirt";

    /// <summary>vCPUs offered to VMs; 0 means the host's CPU count. Default 0.</summary>
    public int Vcpus { get; set; }

    /// <summary>Memory offered to VMs in bytes; 0 means MemTotal from /proc/meminfo. Default 0.</summary>
    public long MemoryBytes { get; set; }

    /// <summary>How often the agent heartbeats and checks its pods. Default 2 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the agent reloads its assignments from the node grain and syncs what may need work: every VM that is
    /// not assigned, changed, needs an action, or whose observation differs from the last one its grain accepted.
    /// Resyncs on start, reconnect, stream errors and fences sync and report every VM. Default 30 s.
    /// </summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a periodic resync may skip a VM whose observation has not changed since its grain accepted it; after
    /// that (shortened by up to a quarter, fixed per VM, to spread the reports) the VM is synced and reported again.
    /// Default 10 min; 1 s to 1 day.
    /// </summary>
    public TimeSpan ReportRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many VMs are synced at once. Default 4.</summary>
    public int MaxParallelSyncs { get; set; } = 4;

    /// <summary>
    /// Process pods started ahead of need (libvirtd running and answering), so that a new VM's pod is a folder rename
    /// instead of a daemon start; replaced in the background, removed when the agent stops. Ignored by the test
    /// runtime. Each costs one idle libvirtd (~8-10 MiB). Default 2; 0 to 64.
    /// </summary>
    public int WarmPods { get; set; } = 2;

    /// <summary>
    /// Process pods: libvirt checks a started guest's CPU with 2 monitor queries instead of ~400 (QEMU start 0.6-0.9 s
    /// -> 0.1-0.2 s on 2 cores), by leaving the <c>cpu-unavailable-features</c> flag out of the QEMU capabilities each
    /// pod is seeded with (see <c>CapabilitiesTemplate.DropSlowCpuQuery</c>). Default true; false seeds pods with
    /// libvirt's cache exactly as it was probed.
    /// </summary>
    public bool FastGuestCpuCheck { get; set; } = true;

    /// <summary>How long a pod daemon may take to answer. Default 60 s.</summary>
    public TimeSpan PodStartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Where to serve Prometheus metrics (<c>/metrics</c>), <c>host:port</c> on a loopback address, e.g. <c>127.0.0.1:9464</c>.
    /// Default empty: no metrics listener.
    /// </summary>
    public string MetricsEndpoint { get; set; } = "";

    /// <summary>Cluster TLS: the certificate, key and CA this agent uses on its gateway connections. Default: none (plain TCP).</summary>
    public AgentTlsOptions Tls { get; set; } = new();
}
