using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Domain;

/// <summary>Derived names for a VM's domain and pod.</summary>
public static class DomainNames
{
    /// <summary>The libvirt domain name: <c>namespace_name</c>. Both parts are DNS-1123 labels, so '_' cannot occur in either and the name is unique.</summary>
    public static string DomainName(VmId id) => $"{id.Namespace}_{id.Name}";

    /// <summary>A short, stable pod id for a VM (12 hex chars of SHA-256 over <c>namespace/name</c>), keeping socket paths under 108 bytes.</summary>
    public static string PodId(VmId id) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id.Key)))[..12];
}
