using System.Runtime.InteropServices;

namespace Orvirt.NodeAgent.Libvirt;

/// <summary>An open <c>virConnectPtr</c>; released with <c>virConnectClose</c>.</summary>
internal sealed class ConnectHandle : SafeHandle
{
    public ConnectHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virConnectClose(handle) >= 0;
}
