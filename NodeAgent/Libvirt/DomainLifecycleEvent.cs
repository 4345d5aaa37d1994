namespace Orvirt.NodeAgent.Libvirt;

/// <summary>One lifecycle event as libvirt delivered it. <see cref="Detail"/> is the event type's detail code (e.g. <see cref="DomainStoppedDetail"/>).</summary>
public sealed record DomainLifecycleEvent(string DomainName, string Uuid, DomainEventType Type, int Detail);
