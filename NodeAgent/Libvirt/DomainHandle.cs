using System.Runtime.InteropServices;

namespace Orvirt.NodeAgent.Libvirt;

/// <summary>A reference to a <c>virDomainPtr</c>; released with <c>virDomainFree</c>.</summary>
internal sealed class DomainHandle : SafeHandle
{
    public DomainHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    internal DomainHandle(nint existing)
        : base(nint.Zero, ownsHandle: true)
    {
        SetHandle(existing);
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virDomainFree(handle) >= 0;
}
