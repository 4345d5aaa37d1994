using Orvirt.Interfaces;
using Orvirt.NodeAgent.Libvirt;

namespace Orvirt.NodeAgent.Agent;

/// <summary>Maps libvirt states, reasons and lifecycle events onto the agent protocol's <see cref="DomainState"/> and reasons.</summary>
public static class DomainStateMapper
{
    /// <summary>From <c>virDomainGetState</c>'s state and reason.</summary>
    public static (DomainState State, string Reason) FromLibvirt(LibvirtDomainState state, int reason) => state switch
    {
        LibvirtDomainState.Running or LibvirtDomainState.Blocked => (DomainState.Running, ""),
        LibvirtDomainState.Paused or LibvirtDomainState.PmSuspended => (DomainState.Paused, ""),
        LibvirtDomainState.Shutdown => (DomainState.ShuttingDown, ""),
        LibvirtDomainState.Crashed => (DomainState.Crashed, "Crashed"),
        LibvirtDomainState.Shutoff => reason switch
        {
            1 => (DomainState.Shutoff, "GuestShutdown"),
            2 => (DomainState.Shutoff, "Stopped"),
            3 => (DomainState.Crashed, "Crashed"),
            6 => (DomainState.Crashed, "StartFailed"),
            8 => (DomainState.Crashed, "DaemonRestarted"),
            _ => (DomainState.Shutoff, ""),
        },
        _ => (DomainState.Starting, ""),
    };

    /// <summary>From a lifecycle event; null when the event does not change the state (e.g. a redefinition).</summary>
    public static (DomainState State, string Reason)? FromEvent(DomainEventType type, int detail) => type switch
    {
        DomainEventType.Started or DomainEventType.Resumed => (DomainState.Running, ""),
        DomainEventType.Suspended or DomainEventType.PmSuspended => (DomainState.Paused, ""),
        DomainEventType.Shutdown => (DomainState.ShuttingDown, ""),
        DomainEventType.Crashed => (DomainState.Crashed, "Crashed"),
        DomainEventType.Stopped => (DomainStoppedDetail)detail switch
        {
            DomainStoppedDetail.Shutdown => (DomainState.Shutoff, "GuestShutdown"),
            DomainStoppedDetail.Destroyed => (DomainState.Shutoff, "Stopped"),
            DomainStoppedDetail.Crashed or DomainStoppedDetail.Failed => (DomainState.Crashed, "Crashed"),
            _ => (DomainState.Shutoff, ""),
        },
        DomainEventType.Undefined => (DomainState.Absent, ""),
        _ => null,
    };
}
