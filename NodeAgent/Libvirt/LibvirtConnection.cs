using System.Runtime.InteropServices;

namespace Orvirt.NodeAgent.Libvirt;

/// <summary>
/// One connection to a libvirt daemon or driver. Lifecycle events and the close notification are raised on the
/// libvirt event-loop thread: handlers must be quick and must not call back into libvirt synchronously.
/// </summary>
public sealed unsafe class LibvirtConnection : IDisposable
{
    private readonly ConnectHandle _handle;
    private readonly int _lifecycleCallbackId;
    private readonly bool _closeCallbackRegistered;
    private int _disposed;

    private LibvirtConnection(string uri, ConnectHandle handle)
    {
        Uri = uri;
        _handle = handle;
        var lifecycleOpaque = GCHandle.ToIntPtr(GCHandle.Alloc(this));
        _lifecycleCallbackId = LibvirtNative.virConnectDomainEventRegisterAny(
            _handle, nint.Zero, LibvirtNative.EventIdLifecycle, &OnLifecycle, lifecycleOpaque, &FreeOpaque);
        if (_lifecycleCallbackId < 0)
        {
            var error = LibvirtException.FromLastError("virConnectDomainEventRegisterAny");
            GCHandle.FromIntPtr(lifecycleOpaque).Free();
            _handle.Dispose();
            throw error;
        }
        var closeOpaque = GCHandle.ToIntPtr(GCHandle.Alloc(this));
        if (LibvirtNative.virConnectRegisterCloseCallback(_handle, &OnClose, closeOpaque, &FreeOpaque) < 0)
        {
            // Drivers without a remote daemon (test://) have nothing to close; not an error.
            GCHandle.FromIntPtr(closeOpaque).Free();
        }
        else
        {
            _closeCallbackRegistered = true;
        }
    }

    /// <summary>The URI this connection was opened with.</summary>
    public string Uri { get; }

    /// <summary>Raised for every domain lifecycle event, in libvirt's order, on the event-loop thread.</summary>
    public event Action<DomainLifecycleEvent>? LifecycleEvent;

    /// <summary>Raised once when the daemon went away (EOF, error or keepalive timeout).</summary>
    public event Action<ConnectionCloseReason>? Closed;

    /// <summary>Opens <paramref name="uri"/> (e.g. <c>test:///default</c>, <c>qemu+unix:///system?socket=...</c>), starting the event loop first.</summary>
    public static LibvirtConnection Open(string uri)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        LibvirtEventLoop.EnsureStarted();
        var handle = LibvirtNative.virConnectOpen(uri);
        if (handle.IsInvalid)
        {
            var error = LibvirtException.FromLastError($"virConnectOpen({uri})");
            handle.Dispose();
            throw error;
        }
        return new LibvirtConnection(uri, handle);
    }

    /// <summary>True while the connection works; false after the daemon went away.</summary>
    public bool IsAlive
    {
        get
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }
            var r = LibvirtNative.virConnectIsAlive(_handle);
            if (r < 0)
            {
                throw LibvirtException.FromLastError("virConnectIsAlive");
            }
            return r == 1;
        }
    }

    /// <summary>Sends a keepalive every <paramref name="intervalSeconds"/>; after <paramref name="count"/> unanswered ones the connection is closed. False when the driver has no keepalive (local drivers).</summary>
    public bool SetKeepAlive(int intervalSeconds, uint count)
    {
        var r = LibvirtNative.virConnectSetKeepAlive(_handle, intervalSeconds, count);
        if (r < 0)
        {
            var error = LibvirtException.FromLastError("virConnectSetKeepAlive");
            if (error.Code == LibvirtErrorCode.NoSupport)
            {
                return false;
            }
            throw error;
        }
        return r == 0;
    }

    /// <summary>The driver's capabilities XML (for QEMU this makes the daemon probe or load its capabilities cache).</summary>
    public string GetCapabilities()
    {
        var p = LibvirtNative.virConnectGetCapabilities(_handle);
        if (p == nint.Zero)
        {
            throw LibvirtException.FromLastError("virConnectGetCapabilities");
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

    /// <summary>Defines (or redefines) a persistent domain from XML.</summary>
    public LibvirtDomain DefineXml(string xml)
    {
        var h = LibvirtNative.virDomainDefineXML(_handle, xml);
        return Wrap(h, "virDomainDefineXML");
    }

    /// <summary>The domain called <paramref name="name"/>; throws with <see cref="LibvirtErrorCode.NoDomain"/> when there is none.</summary>
    public LibvirtDomain LookupByName(string name)
    {
        var h = LibvirtNative.virDomainLookupByName(_handle, name);
        return Wrap(h, "virDomainLookupByName");
    }

    /// <summary>The domain called <paramref name="name"/>, or null when there is none.</summary>
    public LibvirtDomain? TryLookupByName(string name)
    {
        try
        {
            return LookupByName(name);
        }
        catch (LibvirtException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>The domain with UUID <paramref name="uuid"/> (canonical text form).</summary>
    public LibvirtDomain LookupByUuid(string uuid)
    {
        var h = LibvirtNative.virDomainLookupByUUIDString(_handle, uuid);
        return Wrap(h, "virDomainLookupByUUIDString");
    }

    /// <summary>Every domain, running or only defined.</summary>
    public IReadOnlyList<LibvirtDomain> ListAllDomains()
    {
        nint array;
        var n = LibvirtNative.virConnectListAllDomains(_handle, &array, 0);
        if (n < 0)
        {
            throw LibvirtException.FromLastError("virConnectListAllDomains");
        }
        var result = new List<LibvirtDomain>(n);
        try
        {
            for (var i = 0; i < n; i++)
            {
                result.Add(new LibvirtDomain(new DomainHandle(((nint*)array)[i])));
            }
        }
        finally
        {
            NativeMemory.Free((void*)array);
        }
        return result;
    }

    /// <summary>Deregisters callbacks and closes the connection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (!_handle.IsClosed)
        {
            LibvirtNative.virConnectDomainEventDeregisterAny(_handle, _lifecycleCallbackId);
            if (_closeCallbackRegistered)
            {
                LibvirtNative.virConnectUnregisterCloseCallback(_handle, &OnClose);
            }
        }
        _handle.Dispose();
    }

    private static LibvirtDomain Wrap(DomainHandle h, string operation)
    {
        if (h.IsInvalid)
        {
            var error = LibvirtException.FromLastError(operation);
            h.Dispose();
            throw error;
        }
        return new LibvirtDomain(h);
    }

    [UnmanagedCallersOnly]
    private static int OnLifecycle(nint conn, nint dom, int eventType, int detail, nint opaque)
    {
        try
        {
            if (GCHandle.FromIntPtr(opaque).Target is LibvirtConnection self && self.LifecycleEvent is { } handler)
            {
                var name = Marshal.PtrToStringUTF8(LibvirtNative.virDomainGetName(dom)) ?? "";
                handler(new DomainLifecycleEvent(name, LibvirtDomain.UuidOf(dom), (DomainEventType)eventType, detail));
            }
        }
        catch (Exception e)
        {
            // An exception must never unwind into libvirt's C frames.
            Console.Error.WriteLine($"libvirt lifecycle handler failed: {e}");
        }
        return 0;
    }

    [UnmanagedCallersOnly]
    private static void OnClose(nint conn, int reason, nint opaque)
    {
        try
        {
            if (GCHandle.FromIntPtr(opaque).Target is LibvirtConnection self)
            {
                self.Closed?.Invoke((ConnectionCloseReason)reason);
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"libvirt close handler failed: {e}");
        }
    }

    [UnmanagedCallersOnly]
    private static void FreeOpaque(nint opaque) => GCHandle.FromIntPtr(opaque).Free();
}
