using System.Runtime.InteropServices;

namespace Orvirt.NodeAgent.Libvirt;

/// <summary>Raw entry points of libvirt.so.0. Every failing call must be followed at once by <see cref="LibvirtException.FromLastError"/>.</summary>
internal static unsafe partial class LibvirtNative
{
    private const string Lib = "libvirt.so.0";

    public const int EventIdLifecycle = 0;

    [LibraryImport(Lib)]
    public static partial int virEventRegisterDefaultImpl();

    [LibraryImport(Lib)]
    public static partial int virEventRunDefaultImpl();

    [LibraryImport(Lib)]
    public static partial nint virGetLastError();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial ConnectHandle virConnectOpen(string name);

    [LibraryImport(Lib)]
    public static partial int virConnectClose(nint conn);

    [LibraryImport(Lib)]
    public static partial int virConnectIsAlive(ConnectHandle conn);

    [LibraryImport(Lib)]
    public static partial nint virConnectGetCapabilities(ConnectHandle conn);

    [LibraryImport(Lib)]
    public static partial void virSetErrorFunc(nint userData, delegate* unmanaged<nint, nint, void> handler);

    [LibraryImport(Lib)]
    public static partial int virConnectSetKeepAlive(ConnectHandle conn, int interval, uint count);

    [LibraryImport(Lib)]
    public static partial int virConnectRegisterCloseCallback(
        ConnectHandle conn, delegate* unmanaged<nint, int, nint, void> cb, nint opaque, delegate* unmanaged<nint, void> freecb);

    [LibraryImport(Lib)]
    public static partial int virConnectUnregisterCloseCallback(ConnectHandle conn, delegate* unmanaged<nint, int, nint, void> cb);

    [LibraryImport(Lib)]
    public static partial int virConnectDomainEventRegisterAny(
        ConnectHandle conn, nint dom, int eventId, delegate* unmanaged<nint, nint, int, int, nint, int> cb, nint opaque, delegate* unmanaged<nint, void> freecb);

    [LibraryImport(Lib)]
    public static partial int virConnectDomainEventDeregisterAny(ConnectHandle conn, int callbackId);

    [LibraryImport(Lib)]
    public static partial int virConnectListAllDomains(ConnectHandle conn, nint* domains, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial DomainHandle virDomainDefineXML(ConnectHandle conn, string xml);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial DomainHandle virDomainLookupByName(ConnectHandle conn, string name);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial DomainHandle virDomainLookupByUUIDString(ConnectHandle conn, string uuid);

    [LibraryImport(Lib)]
    public static partial int virDomainFree(nint dom);

    [LibraryImport(Lib)]
    public static partial int virDomainCreateWithFlags(DomainHandle dom, uint flags);

    [LibraryImport(Lib)]
    public static partial int virDomainGetState(DomainHandle dom, out int state, out int reason, uint flags);

    [LibraryImport(Lib)]
    public static partial int virDomainGetInfo(DomainHandle dom, out NativeDomainInfo info);

    [LibraryImport(Lib)]
    public static partial int virDomainSuspend(DomainHandle dom);

    [LibraryImport(Lib)]
    public static partial int virDomainResume(DomainHandle dom);

    [LibraryImport(Lib)]
    public static partial int virDomainShutdown(DomainHandle dom);

    [LibraryImport(Lib)]
    public static partial int virDomainDestroyFlags(DomainHandle dom, uint flags);

    [LibraryImport(Lib)]
    public static partial int virDomainUndefineFlags(DomainHandle dom, uint flags);

    [LibraryImport(Lib)]
    public static partial nint virDomainGetXMLDesc(DomainHandle dom, uint flags);

    [LibraryImport(Lib)]
    public static partial uint virDomainGetID(DomainHandle dom);

    [LibraryImport(Lib)]
    public static partial int virDomainGetUUIDString(nint dom, byte* buf);

    [LibraryImport(Lib)]
    public static partial nint virDomainGetName(nint dom);

    /// <summary>virDomainInfo on LP64: unsigned long is 64 bits.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct NativeDomainInfo
    {
        public byte State;
        public nuint MaxMem;
        public nuint Memory;
        public ushort NrVirtCpu;
        public ulong CpuTime;
    }
}
