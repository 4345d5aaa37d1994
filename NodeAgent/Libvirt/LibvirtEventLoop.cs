namespace Orvirt.NodeAgent.Libvirt;

/// <summary>
/// The process-wide libvirt event loop: <c>virEventRegisterDefaultImpl</c> once before the first connection,
/// then one background thread running <c>virEventRunDefaultImpl</c>. Lifecycle and close callbacks and
/// keepalive all run on this thread.
/// </summary>
public static unsafe class LibvirtEventLoop
{
    private static readonly Lock Gate = new();
    private static Thread? _thread;

    /// <summary>True once the loop thread runs.</summary>
    public static bool IsRunning => _thread is not null;

    /// <summary>Registers the default event implementation and starts the loop thread; idempotent.</summary>
    public static void EnsureStarted()
    {
        lock (Gate)
        {
            if (_thread is not null)
            {
                return;
            }
            // Errors reach callers as LibvirtException; stop libvirt from also printing each one to stderr.
            LibvirtNative.virSetErrorFunc(nint.Zero, &IgnoreError);
            if (LibvirtNative.virEventRegisterDefaultImpl() < 0)
            {
                throw LibvirtException.FromLastError("virEventRegisterDefaultImpl");
            }
            _thread = new Thread(Run) { IsBackground = true, Name = "libvirt-event-loop" };
            _thread.Start();
        }
    }

    [System.Runtime.InteropServices.UnmanagedCallersOnly]
    private static void IgnoreError(nint userData, nint error)
    {
    }

    private static void Run()
    {
        while (true)
        {
            // Returns after each dispatched event or timer; a failure here means the loop itself is broken.
            if (LibvirtNative.virEventRunDefaultImpl() < 0)
            {
                var error = LibvirtException.FromLastError("virEventRunDefaultImpl");
                Console.Error.WriteLine($"libvirt event loop: {error.Message}");
                Thread.Sleep(100);
            }
        }
    }
}
