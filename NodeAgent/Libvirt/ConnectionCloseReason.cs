namespace Orvirt.NodeAgent.Libvirt;

/// <summary>libvirt's <c>virConnectCloseReason</c>.</summary>
public enum ConnectionCloseReason
{
    Error = 0,
    Eof = 1,
    Keepalive = 2,
    Client = 3,
}
