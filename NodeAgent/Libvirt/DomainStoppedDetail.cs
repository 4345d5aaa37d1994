namespace Orvirt.NodeAgent.Libvirt;

/// <summary>libvirt's <c>virDomainEventStoppedDetailType</c>: why a domain stopped.</summary>
public enum DomainStoppedDetail
{
    Shutdown = 0,
    Destroyed = 1,
    Crashed = 2,
    Migrated = 3,
    Saved = 4,
    Failed = 5,
    FromSnapshot = 6,
}
