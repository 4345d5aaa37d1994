using Orvirt.Api.V1;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Security;

/// <summary>
/// What a gRPC request asks for, as far as access control cares: whether it changes anything, and which
/// namespace it touches (<see cref="Namespace"/> null with <see cref="AllNamespaces"/> for a cluster-wide read).
/// </summary>
public sealed record ApiCall(bool Mutates, string? Namespace, bool AllNamespaces)
{
    /// <summary>
    /// Classifies <paramref name="request"/>. A request type not listed here is treated as a cluster-wide change,
    /// so a new method is admin-only on every namespace until it is added.
    /// </summary>
    public static ApiCall Of(object request) => request switch
    {
        CreateRequest r => Change(r.Namespace),
        ApplyRequest r => Change(r.Namespace),
        UpdateRequest r => Change(r.Namespace),
        VmRef r => Change(r.Namespace),
        StopRequest r => Change(r.Namespace),
        GetRequest r => Read(r.Namespace),
        ListRequest r => r.AllNamespaces ? new ApiCall(false, null, true) : Read(r.Namespace),
        WatchRequest r => r.AllNamespaces ? new ApiCall(false, null, true) : Read(r.Namespace),
        // Nodes are not namespaced: any valid token may list them.
        ListNodesRequest => new ApiCall(false, null, false),
        _ => new ApiCall(true, null, true),
    };

    private static ApiCall Change(string @namespace) => new(true, OrDefault(@namespace), false);

    private static ApiCall Read(string @namespace) => new(false, OrDefault(@namespace), false);

    private static string OrDefault(string @namespace) => string.IsNullOrEmpty(@namespace) ? OrvirtNames.DefaultNamespace : @namespace;
}
