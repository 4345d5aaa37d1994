namespace Orvirt.Silo.Hosting;

/// <summary>Log messages of cluster TLS on the silo.</summary>
public static partial class ClusterTlsLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an Orleans connection: the peer's certificate {Reason}; silos and node agents need a certificate signed by the cluster CA ({Authority}), e.g. made by scripts/cluster-certs.sh")]
    public static partial void PeerRefused(ILogger logger, string reason, string authority);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster TLS: Orleans silo and gateway connections require a certificate from the cluster CA ({Authority}); this silo presents '{Subject}'")]
    public static partial void Enabled(ILogger logger, string authority, string subject);
}
