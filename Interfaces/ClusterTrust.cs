using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orvirt.Interfaces;

/// <summary>
/// The certificate a cluster member (silo or node agent) presents on Orleans connections, and the cluster CA it trusts
/// peers by: a peer is accepted only when its certificate chains to a certificate of the CA file, never through the system
/// store. Shared by the silo and the node agent so that both sides apply the same rule.
/// </summary>
public sealed class ClusterTrust : IDisposable
{
    /// <summary>Extended key usage OID for TLS server authentication.</summary>
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>Extended key usage OID for TLS client authentication.</summary>
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Object identifier of the subject attribute organizationalUnitName (OU), which carries the role.</summary>
    private const string OrganizationalUnitOid = "2.5.4.11";

    /// <summary>The subject OU of a silo certificate (<see cref="ClusterRole.Silo"/>).</summary>
    public const string SiloUnit = "orvirt-silo";

    /// <summary>The subject OU of a node agent certificate (<see cref="ClusterRole.Agent"/>).</summary>
    public const string AgentUnit = "orvirt-agent";

    /// <summary>How to make a silo certificate, for messages.</summary>
    public const string SiloFix = "make a silo certificate with scripts/cluster-certs.sh OUTDIR --silo NAME";

    /// <summary>How to make a node agent certificate, for messages.</summary>
    public const string AgentFix = "make an agent certificate with scripts/cluster-certs.sh OUTDIR --agent NODE";

    private readonly X509Certificate2Collection _authorities;

    private ClusterTrust(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        _authorities = authorities;
    }

    /// <summary>This member's certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Subjects of the trusted CA certificates, for log lines.</summary>
    public string AuthoritySubjects => string.Join("; ", _authorities.Select(a => a.Subject));

    /// <summary>
    /// Loads the PEM certificate, its PEM private key and the PEM CA bundle. Returns null and adds one failure per problem to
    /// <paramref name="failures"/>, each naming the setting (<paramref name="certificateSetting"/> and so on, e.g.
    /// <c>ORVIRT__CLUSTERTLS__CERTIFICATEFILE</c> or <c>--tls-cert</c>) and ending with <paramref name="fix"/>.
    /// The own certificate must chain to the CA and allow client authentication, and server authentication too when
    /// <paramref name="server"/> is true (a silo accepts and opens connections); with <paramref name="role"/> it must also carry
    /// that role (see <see cref="ReadRole"/>).
    /// </summary>
    public static ClusterTrust? TryLoad(
        string certificateFile,
        string keyFile,
        string caFile,
        (string Certificate, string Key, string Ca) settings,
        bool server,
        string fix,
        ICollection<string> failures,
        ClusterRole? role = null)
    {
        var before = failures.Count;
        var authorities = new X509Certificate2Collection();
        if (Readable(caFile, settings.Ca, "the cluster CA certificate (ca.crt)", fix, failures))
        {
            try
            {
                authorities.ImportFromPemFile(caFile);
            }
            catch (CryptographicException e)
            {
                failures.Add($"{settings.Ca} '{caFile}' is not a PEM certificate ({e.Message.TrimEnd('.')}); point it at the cluster CA certificate (ca.crt). {fix}");
            }
            if (failures.Count == before && authorities.Count == 0)
            {
                failures.Add($"{settings.Ca} '{caFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----); point it at the cluster CA certificate (ca.crt). {fix}");
            }
        }
        X509Certificate2? certificate = null;
        var certificateReadable = Readable(certificateFile, settings.Certificate, "this member's PEM certificate", fix, failures);
        var keyReadable = Readable(keyFile, settings.Key, "the PEM private key of that certificate", fix, failures);
        if (certificateReadable && keyReadable)
        {
            try
            {
                certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            }
            catch (CryptographicException e)
            {
                failures.Add($"{settings.Certificate} '{certificateFile}' and {settings.Key} '{keyFile}' are not a PEM certificate and its private key ({e.Message.TrimEnd('.')}). {fix}");
            }
            catch (ArgumentException e)
            {
                failures.Add($"{settings.Certificate} '{certificateFile}' and {settings.Key} '{keyFile}' are not a PEM certificate and its private key ({e.Message.TrimEnd('.')}). {fix}");
            }
        }
        if (certificate is null || failures.Count > before)
        {
            certificate?.Dispose();
            DisposeAll(authorities);
            return null;
        }
        var trust = new ClusterTrust(certificate, authorities);
        if (!trust.IsTrusted(certificate, out var reason))
        {
            failures.Add($"{settings.Certificate} '{certificateFile}' is not signed by the CA in {settings.Ca} '{caFile}' ({reason}); use a certificate issued by that CA. {fix}");
        }
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>()).Select(o => o.Value).ToList();
        if (usages.Count > 0 && (!usages.Contains(ClientAuthOid) || (server && !usages.Contains(ServerAuthOid))))
        {
            var needed = server ? "both serverAuth and clientAuth" : "clientAuth";
            failures.Add($"{settings.Certificate} '{certificateFile}' has an extended key usage without {needed}; issue it with extendedKeyUsage = serverAuth, clientAuth. {fix}");
        }
        if (role is { } wanted && RoleProblem(certificate, wanted) is { } problem)
        {
            failures.Add($"{settings.Certificate} '{certificateFile}': {problem}. {fix}");
        }
        if (failures.Count > before)
        {
            trust.Dispose();
            return null;
        }
        return trust;
    }

    /// <summary>
    /// True when <paramref name="remote"/> chains to one of the cluster CA certificates (custom root trust: the system store
    /// plays no part) and is valid now; otherwise false with the chain's complaint in <paramref name="reason"/>.
    /// </summary>
    public bool IsTrusted(X509Certificate2 remote, out string reason)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (chain.Build(remote))
        {
            reason = "";
            return true;
        }
        var problems = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList();
        reason = $"'{remote.Subject}' " + (problems.Count > 0 ? string.Join("; ", problems).TrimEnd('.') : "does not chain to the cluster CA");
        return false;
    }

    /// <summary>
    /// The role <paramref name="certificate"/> carries: <see cref="ClusterRole.Silo"/> when its subject has the single-valued
    /// attribute <c>OU=orvirt-silo</c>, <see cref="ClusterRole.Agent"/> for <c>OU=orvirt-agent</c>, and
    /// <see cref="ClusterRole.None"/> when it has neither or both (certificates made before roles existed have neither).
    /// Only the cluster CA can put the mark there, so it is trusted once <see cref="IsTrusted"/> passed.
    /// </summary>
    public static ClusterRole ReadRole(X509Certificate2 certificate)
    {
        var silo = false;
        var agent = false;
        foreach (var name in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            // A multi-valued name (OU=a+CN=b) is never made by cluster-certs.sh; it marks nothing.
            if (name.HasMultipleElements || name.GetSingleElementType().Value != OrganizationalUnitOid)
            {
                continue;
            }
            var unit = name.GetSingleElementValue();
            silo |= string.Equals(unit, SiloUnit, StringComparison.Ordinal);
            agent |= string.Equals(unit, AgentUnit, StringComparison.Ordinal);
        }
        return (silo, agent) switch
        {
            (true, false) => ClusterRole.Silo,
            (false, true) => ClusterRole.Agent,
            _ => ClusterRole.None,
        };
    }

    /// <summary>
    /// Null when <paramref name="certificate"/> carries <paramref name="expected"/>; otherwise what it is, the role it is used
    /// for, and how to make the right one, e.g. "'CN=node-1, OU=orvirt-agent' is a node agent certificate used as a silo: make a
    /// silo certificate with scripts/cluster-certs.sh OUTDIR --silo NAME".
    /// </summary>
    public static string? RoleProblem(X509Certificate2 certificate, ClusterRole expected)
    {
        var actual = ReadRole(certificate);
        if (actual == expected && expected != ClusterRole.None)
        {
            return null;
        }
        var what = actual switch
        {
            ClusterRole.Silo => "is a silo certificate",
            ClusterRole.Agent => "is a node agent certificate",
            _ => $"has no role (exactly one of OU={SiloUnit} or OU={AgentUnit} in its subject; certificates made before roles existed have none, re-issue them)",
        };
        var usedAs = expected == ClusterRole.Silo ? "a silo" : "a node agent";
        var fix = expected == ClusterRole.Silo
            ? SiloFix
            : actual == ClusterRole.Silo
                ? $"a node must not hold a silo certificate (it could join the cluster as a silo and host grains); {AgentFix}"
                : AgentFix;
        return $"'{certificate.Subject}' {what}, used as {usedAs}: {fix}";
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate.Dispose();
        DisposeAll(_authorities);
    }

    private static bool Readable(string path, string setting, string what, string fix, ICollection<string> failures)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            failures.Add($"{setting} is empty; point it at {what}. {fix}");
            return false;
        }
        if (!File.Exists(path))
        {
            failures.Add($"{setting} '{path}' does not exist; point it at {what}. {fix}");
            return false;
        }
        return true;
    }

    private static void DisposeAll(X509Certificate2Collection certificates)
    {
        foreach (var c in certificates)
        {
            c.Dispose();
        }
    }
}
