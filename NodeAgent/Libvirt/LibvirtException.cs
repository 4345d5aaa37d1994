using System.Runtime.InteropServices;

namespace Orvirt.NodeAgent.Libvirt;

/// <summary>A failed libvirt call with libvirt's own error code, error domain and message.</summary>
public sealed class LibvirtException : Exception
{
    public LibvirtException(string operation, LibvirtErrorCode code, int errorDomain, string libvirtMessage)
        : base($"{operation} failed: {libvirtMessage} (libvirt error {(int)code} {code}, domain {errorDomain})")
    {
        Operation = operation;
        Code = code;
        ErrorDomain = errorDomain;
        LibvirtMessage = libvirtMessage;
    }

    /// <summary>The libvirt function that failed.</summary>
    public string Operation { get; }

    /// <summary>libvirt's <c>virErrorNumber</c>.</summary>
    public LibvirtErrorCode Code { get; }

    /// <summary>libvirt's <c>virErrorDomain</c> (which part of libvirt raised it).</summary>
    public int ErrorDomain { get; }

    /// <summary>libvirt's message, unchanged.</summary>
    public string LibvirtMessage { get; }

    /// <summary>True when the domain does not exist.</summary>
    public bool IsNotFound => Code == LibvirtErrorCode.NoDomain;

    /// <summary>True when the connection to the daemon is gone or broken: reconnecting may help.</summary>
    public bool IsConnectionLost => Code is LibvirtErrorCode.NoConnect or LibvirtErrorCode.InvalidConnection or LibvirtErrorCode.Rpc or LibvirtErrorCode.SystemError;

    /// <summary>Reads <c>virGetLastError</c>; call it on the same thread immediately after the failing call.</summary>
    internal static LibvirtException FromLastError(string operation)
    {
        var err = LibvirtNative.virGetLastError();
        if (err == nint.Zero)
        {
            return new LibvirtException(operation, LibvirtErrorCode.InternalError, 0, "libvirt reported no error detail");
        }
        // virError starts with: int code; int domain; char *message.
        var code = Marshal.ReadInt32(err, 0);
        var domain = Marshal.ReadInt32(err, 4);
        var message = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(err, 8)) ?? "";
        return new LibvirtException(operation, (LibvirtErrorCode)code, domain, message);
    }
}
