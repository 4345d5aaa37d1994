namespace Orvirt.NodeAgent.Agent;

/// <summary>
/// The agent's cluster TLS files, section <c>Agent:Tls</c> (flags <c>--tls-cert</c>, <c>--tls-key</c>, <c>--tls-ca</c>; env
/// <c>ORVIRT_AGENT__TLS__CERTIFICATEFILE</c>, <c>__KEYFILE</c>, <c>__CAFILE</c>). All three or none. Needed when the silo runs
/// with cluster TLS (<c>ORVIRT__CLUSTERTLS__*</c>): the gateway refuses an agent without a certificate from the cluster CA.
/// </summary>
public sealed class AgentTlsOptions
{
    /// <summary>The one line that says how to get and pass the agent's cluster certificate.</summary>
    public const string Fix = "Make them with scripts/cluster-certs.sh OUTDIR --agent NODE (an agent certificate from the cluster CA) and pass --tls-cert OUTDIR/NODE.crt --tls-key OUTDIR/NODE.key --tls-ca OUTDIR/ca.crt.";

    /// <summary>This node's PEM certificate, issued by the cluster CA as a node agent certificate (subject OU=orvirt-agent, clientAuth usage). Default empty (no TLS).</summary>
    public string CertificateFile { get; set; } = "";

    /// <summary>The PEM private key of <see cref="CertificateFile"/>. Default empty.</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>The PEM cluster CA certificate that the silo's certificate must chain to (the system store is not used). Default empty.</summary>
    public string CaFile { get; set; } = "";

    /// <summary>True when any of the three files is set (the validator then requires all three).</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(CertificateFile) || !string.IsNullOrWhiteSpace(KeyFile) || !string.IsNullOrWhiteSpace(CaFile);
}
