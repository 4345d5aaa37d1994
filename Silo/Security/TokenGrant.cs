using System.Collections.Immutable;

namespace Orvirt.Silo.Security;

/// <summary>
/// What one configured token allows: a role, and optionally the namespaces it is limited to.
/// <see cref="Source"/> says where the token was configured (e.g. "line 3 of the token file") so that logs
/// can name the caller without ever showing the token itself.
/// </summary>
public sealed record TokenGrant(TokenRole Role, ImmutableSortedSet<string>? Namespaces, string Source)
{
    /// <summary>An admin token on every namespace, configured at <paramref name="source"/>.</summary>
    public static TokenGrant AdminEverywhere(string source) => new(TokenRole.Admin, null, source);

    /// <summary>True when the token is not limited to a list of namespaces.</summary>
    public bool AllNamespaces => Namespaces is null;

    /// <summary>True when the token may touch VMs in <paramref name="namespace"/>.</summary>
    public bool Allows(string @namespace) => Namespaces is null || Namespaces.Contains(@namespace);

    /// <summary>The namespaces for a message, e.g. "a, b" or "every namespace".</summary>
    public string DescribeNamespaces() => Namespaces is null ? "every namespace" : string.Join(", ", Namespaces);
}
