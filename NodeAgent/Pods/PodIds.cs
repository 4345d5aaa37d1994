namespace Orvirt.NodeAgent.Pods;

/// <summary>Pod ids are short lowercase hex/alphanumeric strings so that pod paths stay short and safe.</summary>
public static class PodIds
{
    /// <summary>True for 1 to 32 chars of [a-z0-9].</summary>
    public static bool IsValid(string id) => id.Length is > 0 and <= 32 && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9'));

    /// <summary>Returns <paramref name="id"/> or throws naming the rule.</summary>
    public static string Check(string id) =>
        IsValid(id) ? id : throw new ArgumentException($"pod id '{id}' must be 1-32 characters of [a-z0-9]", nameof(id));
}
