using Microsoft.Extensions.Logging;

namespace Orvirt.Silo.Kubernetes;

/// <summary>The CRD sync's log messages; VM messages carry the VM's namespace and name.</summary>
internal static partial class KubernetesSyncLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "CRD sync: {Identity} started leading (lease {LeaseNamespace}/{LeaseName})")]
    public static partial void StartedLeading(ILogger logger, string identity, string leaseNamespace, string leaseName);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "CRD sync: {Identity} stopped leading")]
    public static partial void StoppedLeading(ILogger logger, string identity);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "CRD sync: leader election failed; retrying in {Delay}")]
    public static partial void ElectionFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "CRD sync: listed {Count} VirtualMachines at resourceVersion {ResourceVersion}")]
    public static partial void Listed(ILogger logger, int count, string resourceVersion);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "CRD sync: watch from resourceVersion {ResourceVersion} expired (410 Gone); listing again")]
    public static partial void WatchExpired(ILogger logger, string resourceVersion);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "CRD sync: list/watch failed; retrying in {Delay}")]
    public static partial void ReflectorFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Debug, Message = "CRD sync: watch ended before its first event; watching again in {Delay}")]
    public static partial void EmptyWatch(ILogger logger, TimeSpan delay);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "VM {Namespace}/{Name}: applied CR generation {CrGeneration} as grain generation {GrainGeneration}")]
    public static partial void Applied(ILogger logger, string @namespace, string name, long crGeneration, long grainGeneration);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "VM {Namespace}/{Name}: the CR's spec cannot be accepted: {Problems}")]
    public static partial void InvalidSpec(ILogger logger, string @namespace, string name, string problems);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "VM {Namespace}/{Name}: the CR is being deleted; stopping and removing the VM")]
    public static partial void Deleting(ILogger logger, string @namespace, string name);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Information, Message = "VM {Namespace}/{Name}: the VM is gone; removed the finalizer")]
    public static partial void FinalizerRemoved(ILogger logger, string @namespace, string name);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Warning, Message = "VM {Namespace}/{Name}: reconcile failed (attempt {Attempt}); retrying in {Delay}")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception, string @namespace, string name, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Information, Message = "VM {Namespace}/{Name}: created a CR for a VM made through the API")]
    public static partial void Mirrored(ILogger logger, string @namespace, string name);

    [LoggerMessage(EventId = 4017, Level = LogLevel.Information, Message = "VM {Namespace}/{Name}: applied the CR's labels: {Code} {Message}")]
    public static partial void Relabelled(ILogger logger, string @namespace, string name, string code, string message);

    [LoggerMessage(EventId = 4018, Level = LogLevel.Warning, Message = "CRD sync: cannot list the VM index; VMs without a CR are looked for again in {Resync}")]
    public static partial void IndexFailed(ILogger logger, Exception exception, TimeSpan resync);

    [LoggerMessage(EventId = 4016, Level = LogLevel.Warning, Message = "CRD sync: cannot subscribe to VM events; status follows the {Resync} resync only")]
    public static partial void SubscribeFailed(ILogger logger, Exception exception, TimeSpan resync);
}
