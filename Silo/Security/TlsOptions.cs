namespace Orvirt.Silo.Security;

/// <summary>
/// Optional TLS for both Kestrel endpoints (gRPC and HTTP) from PEM files; section <c>Orvirt:Tls</c>.
/// Default: neither file, so both endpoints speak cleartext (fine on loopback or behind a TLS-terminating proxy).
/// </summary>
public sealed class TlsOptions
{
    public const string Section = "Orvirt:Tls";

    /// <summary>The server certificate (PEM, may include the chain), e.g. <c>ORVIRT__TLS__CERTIFICATEFILE=/etc/orvirt/tls.crt</c>. Default: none.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>Its private key (PEM, PKCS#8 or RSA/EC), e.g. <c>ORVIRT__TLS__KEYFILE=/etc/orvirt/tls.key</c>. Default: none.</summary>
    public string? KeyFile { get; set; }
}
