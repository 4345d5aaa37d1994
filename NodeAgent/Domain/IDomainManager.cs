using Orvirt.Interfaces;
using Orvirt.NodeAgent.Libvirt;

namespace Orvirt.NodeAgent.Domain;

/// <summary>The hypervisor side of one pod, shaped like KubeVirt's DomainManager: sync, pause, resume, shutdown, kill, delete, list.</summary>
public interface IDomainManager : IDisposable
{
    /// <summary>Lifecycle events of the pod's domains (raised on the libvirt event thread).</summary>
    event Action<DomainLifecycleEvent>? LifecycleEvent;

    /// <summary>Raised once when the pod's daemon connection is lost.</summary>
    event Action<ConnectionCloseReason>? Disconnected;

    /// <summary>True while the connection to the pod's libvirt works.</summary>
    bool IsConnected { get; }

    /// <summary>Defines the domain for <paramref name="desired"/> (replacing one of another run) and starts it when it is not active.</summary>
    Task<DomainSnapshot> SyncAsync(VmDesired desired, CancellationToken ct);

    /// <summary>Pauses the domain's vCPUs.</summary>
    Task PauseAsync(string domainName, CancellationToken ct);

    /// <summary>Resumes the domain's vCPUs.</summary>
    Task ResumeAsync(string domainName, CancellationToken ct);

    /// <summary>Asks the guest to shut down and destroys the domain when it has not stopped after <paramref name="grace"/>. True when the guest stopped by itself.</summary>
    Task<bool> ShutdownAsync(string domainName, TimeSpan grace, CancellationToken ct);

    /// <summary>Destroys the domain at once; a stopped domain is left alone.</summary>
    Task KillAsync(string domainName, CancellationToken ct);

    /// <summary>Destroys and undefines the domain; a missing domain is not an error.</summary>
    Task DeleteAsync(string domainName, CancellationToken ct);

    /// <summary>Every domain in the pod.</summary>
    Task<IReadOnlyList<DomainSnapshot>> ListAsync(CancellationToken ct);

    /// <summary>One domain, or null when it does not exist.</summary>
    Task<DomainSnapshot?> GetAsync(string domainName, CancellationToken ct);
}
