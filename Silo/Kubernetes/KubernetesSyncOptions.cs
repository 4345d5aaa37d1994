namespace Orvirt.Silo.Kubernetes;

/// <summary>
/// The CRD sync (<c>Orvirt:Kubernetes</c>, e.g. <c>ORVIRT__KUBERNETES__SERVER</c>). The sync runs only when one
/// way to reach an API server is configured: <see cref="InCluster"/>, <see cref="Kubeconfig"/> or <see cref="Server"/>.
/// </summary>
public sealed class KubernetesSyncOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Orvirt:Kubernetes";

    /// <summary>Use the pod's service account (in a cluster). Default false.</summary>
    public bool InCluster { get; set; }

    /// <summary>Path of a kubeconfig file; its current context is used. Default: none.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>An API server URL used without credentials (a test server, <c>kubectl proxy</c>). Default: none.</summary>
    public string? Server { get; set; }

    /// <summary>Sync only this namespace's VirtualMachines. Default: none, every namespace.</summary>
    public string? Namespace { get; set; }

    /// <summary>Namespace of the leader-election Lease. Default <c>orvirt-system</c>.</summary>
    public string LeaseNamespace { get; set; } = "orvirt-system";

    /// <summary>Name of the leader-election Lease. Default <c>orvirt-crd-sync</c>.</summary>
    public string LeaseName { get; set; } = "orvirt-crd-sync";

    /// <summary>This silo's identity in the Lease. Default: the host name plus a random suffix.</summary>
    public string? Identity { get; set; }

    /// <summary>How long a Lease holds without renewal; a dead leader is replaced after at most this. Default 15 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leading. Default 10 s.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often candidates try to acquire and the leader renews. Default 2 s.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often every VirtualMachine is reconciled even without events (status catch-up). Default 30 s.</summary>
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Server-side timeout of one watch request; the reflector then watches again. Default 5 min.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First retry delay after an API error (doubles up to <see cref="BackoffCap"/>). Default 200 ms.</summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Largest retry delay. Default 30 s.</summary>
    public TimeSpan BackoffCap { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>VirtualMachines reconciled in parallel. Default 4.</summary>
    public int Workers { get; set; } = 4;

    /// <summary>True when an API server is configured, so the sync should run.</summary>
    public bool IsConfigured => InCluster || !string.IsNullOrWhiteSpace(Kubeconfig) || !string.IsNullOrWhiteSpace(Server);
}
