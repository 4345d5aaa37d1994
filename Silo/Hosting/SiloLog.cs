namespace Orvirt.Silo.Hosting;

/// <summary>The host's own log messages.</summary>
public static partial class SiloLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Orvirt silo ready ({Mode}): gRPC API on http://{GrpcEndpoint} (HTTP/2), health on http://{HttpEndpoint}/healthz (HTTP/1.1), Orleans gateway on port {GatewayPort}, state in {DatabasePath}")]
    public static partial void Ready(ILogger logger, string mode, string grpcEndpoint, string httpEndpoint, int gatewayPort, string databasePath);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubernetes detected (KUBERNETES_SERVICE_HOST is set): using Kubernetes hosting")]
    public static partial void KubernetesHosting(ILogger logger);
}
