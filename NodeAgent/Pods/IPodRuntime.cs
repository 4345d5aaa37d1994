using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Pods;

/// <summary>Where each VM's private libvirt lives: a "pod" per VM (KubeVirt's virt-launcher) with its own daemon or driver.</summary>
public interface IPodRuntime
{
    /// <summary><c>process</c> or <c>test</c>; reported to the node grain.</summary>
    string Kind { get; }

    /// <summary>The hypervisor domains in these pods run on.</summary>
    HypervisorKind Hypervisor { get; }

    /// <summary>Creates the pod and starts its daemon when missing; harmless when it already runs.</summary>
    Task EnsurePodAsync(string podId, CancellationToken ct);

    /// <summary>The libvirt URI of the pod's daemon or driver.</summary>
    string ConnectionUri(string podId);

    /// <summary>The pod's folder (disks and console log live here).</summary>
    string PodDirectory(string podId);

    /// <summary>True while the pod's daemon runs.</summary>
    bool IsAlive(string podId);

    /// <summary>Stops the pod's daemon if it still runs and starts it again; running domains survive.</summary>
    Task RestartDaemonAsync(string podId, CancellationToken ct);

    /// <summary>Stops the daemon and everything it started, and deletes the pod folder.</summary>
    Task RemovePodAsync(string podId, CancellationToken ct);

    /// <summary>The ids of pods found on disk (from earlier agent runs too).</summary>
    IReadOnlyList<string> ListPods();
}
