using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orvirt.Testing;

/// <summary>
/// PEM files for cluster TLS in a temporary folder: a cluster CA (<c>ca.crt</c>) and a certificate and key per name
/// (<c>NAME.crt</c>, <c>NAME.key</c>), made in-process (<see cref="Create"/>) or by <c>scripts/cluster-certs.sh</c>
/// (<see cref="FromScriptAsync"/>). Dispose it to delete the folder.
/// </summary>
public sealed class ClusterCertificates : IDisposable
{
    private readonly ECDsa _caKey;
    private readonly X509Certificate2 _ca;

    private ClusterCertificates(string folder, ECDsa caKey, X509Certificate2 ca)
    {
        Folder = folder;
        _caKey = caKey;
        _ca = ca;
    }

    /// <summary>The folder that holds the files.</summary>
    public string Folder { get; }

    /// <summary>The cluster CA certificate file.</summary>
    public string CaFile => Path.Combine(Folder, "ca.crt");

    /// <summary>The certificate file of <paramref name="name"/>.</summary>
    public string CertificateFile(string name) => Path.Combine(Folder, name + ".crt");

    /// <summary>The key file of <paramref name="name"/>.</summary>
    public string KeyFile(string name) => Path.Combine(Folder, name + ".key");

    /// <summary>
    /// A new CA (ECDSA P-256) and, signed by it, a silo certificate for each of <paramref name="silos"/> and a node agent
    /// certificate for each of <paramref name="agents"/> (what <c>scripts/cluster-certs.sh --silo/--agent</c> makes).
    /// </summary>
    public static ClusterCertificates Create(IReadOnlyList<string>? silos = null, IReadOnlyList<string>? agents = null)
    {
        var folder = Directory.CreateTempSubdirectory("orvirt-certs-").FullName;
        var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=orvirt-test-cluster-ca", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        File.WriteAllText(Path.Combine(folder, "ca.crt"), ca.ExportCertificatePem() + "\n");
        var certificates = new ClusterCertificates(folder, caKey, ca);
        foreach (var name in silos ?? [])
        {
            certificates.Issue(name, Silo);
        }
        foreach (var name in agents ?? [])
        {
            certificates.Issue(name, Agent);
        }
        return certificates;
    }

    /// <summary>
    /// Runs <c>scripts/cluster-certs.sh FOLDER ARGUMENTS...</c> of this repository (e.g. <c>--silo silo --agent node-1</c>) and
    /// returns its files; more can be issued in-process with the script's CA. Throws with the script's output when it fails.
    /// </summary>
    public static async Task<ClusterCertificates> FromScriptAsync(params string[] arguments)
    {
        var script = Script();
        var folder = Directory.CreateTempSubdirectory("orvirt-certs-").FullName;
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(folder);
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        var (code, stdout, stderr) = await ChildProcesses.RunToExitAsync(psi, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        if (code != 0)
        {
            SiloProcess.TryDeleteDirectory(folder);
            throw new InvalidOperationException($"{script} exited with {code}: {stderr}{stdout}");
        }
        var ca = X509Certificate2.CreateFromPemFile(Path.Combine(folder, "ca.crt"), Path.Combine(folder, "ca.key"));
        return new ClusterCertificates(folder, ca.GetECDsaPrivateKey()!, ca);
    }

    /// <summary>The role of a silo certificate (<c>OU=orvirt-silo</c>, like <c>cluster-certs.sh --silo</c>).</summary>
    public const string Silo = "silo";

    /// <summary>The role of a node agent certificate (<c>OU=orvirt-agent</c>, like <c>cluster-certs.sh --agent</c>).</summary>
    public const string Agent = "agent";

    /// <summary>No role: a certificate as cluster-certs.sh made them before roles existed.</summary>
    public const string NoRole = "";

    /// <summary>
    /// Issues a certificate for <paramref name="name"/> from this CA with <paramref name="role"/> (<see cref="Silo"/>,
    /// <see cref="Agent"/> or <see cref="NoRole"/>) as its subject OU <c>orvirt-ROLE</c>; serverAuth and clientAuth, SANs
    /// name, localhost, 127.0.0.1 (so that only the role mark tells silo and agent certificates apart here).
    /// </summary>
    public void Issue(string name, string role)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(name, role), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var certificate = request.Create(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        File.WriteAllText(CertificateFile(name), certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(KeyFile(name), key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>
    /// Writes a self-signed certificate and key for <paramref name="name"/> with <paramref name="role"/> (its own CA, unknown
    /// to the cluster) into this folder.
    /// </summary>
    public void SelfSigned(string name, string role)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(name, role), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(CertificateFile(name), certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(KeyFile(name), key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>The silo's environment for cluster TLS with the files of <paramref name="name"/>.</summary>
    public Dictionary<string, string> SiloEnvironment(string name) => new()
    {
        ["ORVIRT__CLUSTERTLS__CERTIFICATEFILE"] = CertificateFile(name),
        ["ORVIRT__CLUSTERTLS__KEYFILE"] = KeyFile(name),
        ["ORVIRT__CLUSTERTLS__CAFILE"] = CaFile,
    };

    /// <summary>The agent's <c>--tls-*</c> arguments with the files of <paramref name="name"/> and <paramref name="caFile"/> (default the cluster CA).</summary>
    public IReadOnlyList<string> AgentArguments(string name, string? caFile = null) =>
        ["--tls-cert", CertificateFile(name), "--tls-key", KeyFile(name), "--tls-ca", caFile ?? CaFile];

    /// <inheritdoc />
    public void Dispose()
    {
        _caKey.Dispose();
        _ca.Dispose();
        SiloProcess.TryDeleteDirectory(Folder);
    }

    private static string Subject(string name, string role) => role.Length == 0 ? "CN=" + name : $"CN={name}, OU=orvirt-{role}";

    /// <summary>The path of this repository's <c>scripts/cluster-certs.sh</c>, found above the test assembly.</summary>
    public static string Script()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "scripts", "cluster-certs.sh");
            if (File.Exists(script))
            {
                return script;
            }
        }
        throw new FileNotFoundException($"scripts/cluster-certs.sh was not found above {AppContext.BaseDirectory}");
    }
}
