using Orvirt.Interfaces;

namespace Orvirt.Silo.Web;

/// <summary>One VM change as the VM page receives it: ADDED, MODIFIED or DELETED, and the VM.</summary>
public sealed record VmEventView(string Type, VmSnapshot Vm);
