namespace Orvirt.Interfaces;

/// <summary>
/// What a cluster certificate lets its holder be, marked in its subject as an organizational unit (OU) signed by the cluster
/// CA: <c>OU=orvirt-silo</c> for a silo (joins the cluster on the silo port and hosts grains) and <c>OU=orvirt-agent</c> for a
/// node agent (an Orleans client of the gateway only). See <see cref="ClusterTrust.ReadRole"/>.
/// </summary>
public enum ClusterRole
{
    /// <summary>No role mark, or a mark that names no single role (a certificate made before roles existed, or a foreign one).</summary>
    None,

    /// <summary>A silo: <c>OU=orvirt-silo</c>.</summary>
    Silo,

    /// <summary>A node agent: <c>OU=orvirt-agent</c>.</summary>
    Agent,
}
