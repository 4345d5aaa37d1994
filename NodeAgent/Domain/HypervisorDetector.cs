using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Domain;

/// <summary>Finds whether KVM is usable: /dev/kvm must open for read and write; otherwise QEMU runs TCG.</summary>
public static class HypervisorDetector
{
    /// <summary><see cref="HypervisorKind.Kvm"/> when <paramref name="kvmDevice"/> opens, else <see cref="HypervisorKind.Tcg"/>.</summary>
    public static HypervisorKind Detect(string kvmDevice = "/dev/kvm")
    {
        try
        {
            using var f = new FileStream(kvmDevice, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);
            return HypervisorKind.Kvm;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return HypervisorKind.Tcg;
        }
    }

    /// <summary>The libvirt domain type for a hypervisor kind.</summary>
    public static string DomainType(HypervisorKind kind) => kind switch
    {
        HypervisorKind.Kvm => "kvm",
        HypervisorKind.Tcg => "qemu",
        _ => "test",
    };
}
