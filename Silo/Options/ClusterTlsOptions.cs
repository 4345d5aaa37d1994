namespace Orvirt.Silo.Options;

/// <summary>
/// Mutual TLS on the Orleans connections (silo to silo, node agent to gateway), section <c>Orvirt:ClusterTls</c>
/// (environment <c>ORVIRT__CLUSTERTLS__CERTIFICATEFILE</c>, <c>__KEYFILE</c>, <c>__CAFILE</c>). Set all three or none.
/// With them, every peer must present a certificate signed by the CA in <see cref="CaFile"/>; an agent without one cannot
/// reach the gateway at all. Required when the silo and gateway ports listen beyond loopback. Make the files with
/// <c>scripts/cluster-certs.sh</c>.
/// </summary>
public sealed class ClusterTlsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Orvirt:ClusterTls";

    /// <summary>The one line that says how to get and configure cluster certificates.</summary>
    public const string Fix = "Make a cluster CA and certificates with scripts/cluster-certs.sh OUTDIR --silo silo --agent node-1, then set ORVIRT__CLUSTERTLS__CERTIFICATEFILE=OUTDIR/silo.crt, ORVIRT__CLUSTERTLS__KEYFILE=OUTDIR/silo.key and ORVIRT__CLUSTERTLS__CAFILE=OUTDIR/ca.crt.";

    /// <summary>This silo's PEM certificate, issued by the cluster CA as a silo certificate (subject OU=orvirt-silo, serverAuth and clientAuth usage). Default empty (no cluster TLS).</summary>
    public string CertificateFile { get; set; } = "";

    /// <summary>The PEM private key of <see cref="CertificateFile"/>. Default empty.</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>The PEM cluster CA certificate(s) that peers' certificates must chain to; the system store is not used. Default empty.</summary>
    public string CaFile { get; set; } = "";

    /// <summary>True when any of the three files is set (the validator then requires all three).</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(CertificateFile) || !string.IsNullOrWhiteSpace(KeyFile) || !string.IsNullOrWhiteSpace(CaFile);
}
