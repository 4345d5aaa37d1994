namespace Orvirt.EndToEnd.Tests;

/// <summary>One line of <c>orvirt vm watch -o json</c>: the event type (ADDED, MODIFIED, DELETED) and the VM it carries.</summary>
public sealed record WatchEvent(string Type, VmView Vm)
{
    /// <summary>For assertion messages.</summary>
    public override string ToString() => $"{Type} {Vm}";
}
