namespace Orvirt.Silo.Hosting;

/// <summary>Log messages of cluster TLS on the silo.</summary>
public static partial class ClusterTlsLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an Orleans connection: the peer's certificate {Reason}; silos and node agents need a certificate signed by the cluster CA ({Authority}), e.g. made by scripts/cluster-certs.sh")]
    public static partial void PeerRefused(ILogger logger, string reason, string authority);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an Orleans connection {Where}: the peer's certificate {Problem} (thumbprint {Thumbprint})")]
    public static partial void PeerRoleRefused(ILogger logger, string where, string problem, string thumbprint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster TLS: Orleans silo and gateway connections require a certificate from the cluster CA ({Authority}), a silo certificate (OU=orvirt-silo) between silos and a node agent certificate (OU=orvirt-agent) on the gateway; this silo presents '{Subject}'")]
    public static partial void Enabled(ILogger logger, string authority, string subject);
}
