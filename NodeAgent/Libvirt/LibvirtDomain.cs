using System.Runtime.InteropServices;

namespace Orvirt.NodeAgent.Libvirt;

/// <summary>A reference to one libvirt domain; dispose it to drop the reference (the domain itself stays).</summary>
public sealed unsafe class LibvirtDomain : IDisposable
{
    private const int UuidStringBufferLength = 37;
    private readonly DomainHandle _handle;

    internal LibvirtDomain(DomainHandle handle)
    {
        _handle = handle;
        Name = Marshal.PtrToStringUTF8(LibvirtNative.virDomainGetName(handle.DangerousGetHandle())) ?? "";
        Uuid = UuidOf(handle.DangerousGetHandle());
    }

    /// <summary>The domain's name.</summary>
    public string Name { get; }

    /// <summary>The domain's UUID in canonical text form.</summary>
    public string Uuid { get; }

    /// <summary>The running domain's id, or null when it is not running.</summary>
    public uint? Id
    {
        get
        {
            var id = LibvirtNative.virDomainGetID(_handle);
            return id == uint.MaxValue ? null : id;
        }
    }

    /// <summary>Starts the defined domain (<c>virDomainCreateWithFlags</c>); flag 1 starts it paused.</summary>
    public void Create(uint flags = 0) => Check(LibvirtNative.virDomainCreateWithFlags(_handle, flags), "virDomainCreateWithFlags");

    /// <summary>The state and its reason code.</summary>
    public (LibvirtDomainState State, int Reason) GetState()
    {
        Check(LibvirtNative.virDomainGetState(_handle, out var state, out var reason, 0), "virDomainGetState");
        return ((LibvirtDomainState)state, reason);
    }

    /// <summary>State, memory and CPU figures.</summary>
    public DomainInfo GetInfo()
    {
        Check(LibvirtNative.virDomainGetInfo(_handle, out var info), "virDomainGetInfo");
        return new DomainInfo((LibvirtDomainState)info.State, info.MaxMem, info.Memory, info.NrVirtCpu, info.CpuTime);
    }

    /// <summary>Pauses the vCPUs.</summary>
    public void Suspend() => Check(LibvirtNative.virDomainSuspend(_handle), "virDomainSuspend");

    /// <summary>Resumes paused vCPUs.</summary>
    public void Resume() => Check(LibvirtNative.virDomainResume(_handle), "virDomainResume");

    /// <summary>Asks the guest to shut down (ACPI); returns before it has.</summary>
    public void Shutdown() => Check(LibvirtNative.virDomainShutdown(_handle), "virDomainShutdown");

    /// <summary>Kills the domain at once; flag 1 (graceful) sends SIGTERM only.</summary>
    public void Destroy(uint flags = 0) => Check(LibvirtNative.virDomainDestroyFlags(_handle, flags), "virDomainDestroyFlags");

    /// <summary>Removes the persistent definition; a running domain becomes transient.</summary>
    public void Undefine(uint flags = 0) => Check(LibvirtNative.virDomainUndefineFlags(_handle, flags), "virDomainUndefineFlags");

    /// <summary>The domain's XML as libvirt holds it.</summary>
    public string GetXmlDesc(uint flags = 0)
    {
        var p = LibvirtNative.virDomainGetXMLDesc(_handle, flags);
        if (p == nint.Zero)
        {
            throw LibvirtException.FromLastError("virDomainGetXMLDesc");
        }
        try
        {
            return Marshal.PtrToStringUTF8(p) ?? "";
        }
        finally
        {
            NativeMemory.Free((void*)p);
        }
    }

    /// <summary>Drops this reference.</summary>
    public void Dispose() => _handle.Dispose();

    internal static string UuidOf(nint dom)
    {
        var buf = stackalloc byte[UuidStringBufferLength];
        if (LibvirtNative.virDomainGetUUIDString(dom, buf) < 0)
        {
            throw LibvirtException.FromLastError("virDomainGetUUIDString");
        }
        return Marshal.PtrToStringUTF8((nint)buf) ?? "";
    }

    private static void Check(int result, string operation)
    {
        if (result < 0)
        {
            throw LibvirtException.FromLastError(operation);
        }
    }
}
