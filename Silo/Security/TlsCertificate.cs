using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orvirt.Silo.Security;

/// <summary>Loads the certificate named by <see cref="TlsOptions"/> at start-up, so a bad file stops the silo with a message instead of failing the first connection.</summary>
public static class TlsCertificate
{
    /// <summary>
    /// The certificate with its key, or null when TLS is not configured (or a problem was added to
    /// <paramref name="failures"/>, each saying how to fix it).
    /// </summary>
    public static X509Certificate2? Load(TlsOptions options, List<string> failures)
    {
        var hasCert = !string.IsNullOrWhiteSpace(options.CertificateFile);
        var hasKey = !string.IsNullOrWhiteSpace(options.KeyFile);
        if (!hasCert && !hasKey)
        {
            return null;
        }
        if (!hasCert || !hasKey)
        {
            failures.Add($"Orvirt:Tls needs both files, but only {(hasCert ? "CertificateFile" : "KeyFile")} is set; set ORVIRT__TLS__CERTIFICATEFILE and ORVIRT__TLS__KEYFILE to PEM files, or neither for cleartext.");
            return null;
        }
        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(options.CertificateFile!, options.KeyFile);
            if (!certificate.HasPrivateKey)
            {
                failures.Add($"Orvirt:Tls:KeyFile '{options.KeyFile}' holds no private key for the certificate; point ORVIRT__TLS__KEYFILE at the certificate's PEM key.");
                return null;
            }
            return certificate;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            failures.Add($"Orvirt:Tls: the certificate '{options.CertificateFile}' with the key '{options.KeyFile}' cannot be loaded ({e.Message}); point ORVIRT__TLS__CERTIFICATEFILE and ORVIRT__TLS__KEYFILE at a readable PEM certificate and its matching key.");
            return null;
        }
    }
}
