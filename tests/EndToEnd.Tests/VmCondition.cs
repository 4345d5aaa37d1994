namespace Orvirt.EndToEnd.Tests;

/// <summary>One status condition as <c>orvirt vm get -o json</c> prints it.</summary>
public sealed record VmCondition(string Type, string Status, string Reason, string Message)
{
    /// <summary>For assertion messages.</summary>
    public override string ToString() => $"{Type}={Status} {Reason}: {Message}";
}
