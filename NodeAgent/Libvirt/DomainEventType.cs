namespace Orvirt.NodeAgent.Libvirt;

/// <summary>libvirt's <c>virDomainEventType</c> (lifecycle events).</summary>
public enum DomainEventType
{
    Defined = 0,
    Undefined = 1,
    Started = 2,
    Suspended = 3,
    Resumed = 4,
    Stopped = 5,
    Shutdown = 6,
    PmSuspended = 7,
    Crashed = 8,
}
