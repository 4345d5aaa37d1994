using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orvirt.Interfaces;
using Orvirt.Testing;

namespace Orvirt.Security.Tests;

/// <summary>
/// Roles in cluster certificates: how a certificate's role is read from its subject, what a wrong one is told, and that
/// scripts/cluster-certs.sh makes certificates with the roles it was asked for (and refuses to guess a role).
/// </summary>
public sealed class ClusterTlsRoleTests
{
    [Theory]
    [InlineData("CN=silo-1, OU=orvirt-silo", ClusterRole.Silo)]
    [InlineData("CN=node-1, OU=orvirt-agent", ClusterRole.Agent)]
    [InlineData("OU=orvirt-agent, CN=node-1, O=example", ClusterRole.Agent)]
    [InlineData("CN=node-1, OU=ops, OU=orvirt-silo", ClusterRole.Silo)]
    // Before roles existed: no mark at all.
    [InlineData("CN=node-1", ClusterRole.None)]
    // Both marks: ambiguous, so neither.
    [InlineData("CN=x, OU=orvirt-silo, OU=orvirt-agent", ClusterRole.None)]
    // Marks are exact: other case, other attributes or a name that only contains the mark do not count.
    [InlineData("CN=x, OU=ORVIRT-SILO", ClusterRole.None)]
    [InlineData("CN=orvirt-silo", ClusterRole.None)]
    [InlineData("CN=x, O=orvirt-silo", ClusterRole.None)]
    [InlineData("CN=x, OU=orvirt-silo-extra", ClusterRole.None)]
    // A multi-valued name is never made by the script and marks nothing.
    [InlineData("CN=x + OU=orvirt-silo", ClusterRole.None)]
    public void TheRoleIsReadFromExactlyOneOrvirtOrganizationalUnit(string subject, ClusterRole expected)
    {
        using var certificate = SelfSigned(subject);

        Assert.Equal(expected, ClusterTrust.ReadRole(certificate));
    }

    [Theory]
    [InlineData("CN=node-1, OU=orvirt-agent", ClusterRole.Silo, "'CN=node-1, OU=orvirt-agent' is a node agent certificate, used as a silo: make a silo certificate with scripts/cluster-certs.sh OUTDIR --silo NAME")]
    [InlineData("CN=old", ClusterRole.Silo, "'CN=old' has no role (exactly one of OU=orvirt-silo or OU=orvirt-agent in its subject; certificates made before roles existed have none, re-issue them), used as a silo: make a silo certificate with scripts/cluster-certs.sh OUTDIR --silo NAME")]
    [InlineData("CN=silo-1, OU=orvirt-silo", ClusterRole.Agent, "'CN=silo-1, OU=orvirt-silo' is a silo certificate, used as a node agent: a node must not hold a silo certificate (it could join the cluster as a silo and host grains); make an agent certificate with scripts/cluster-certs.sh OUTDIR --agent NODE")]
    [InlineData("CN=old", ClusterRole.Agent, "'CN=old' has no role (exactly one of OU=orvirt-silo or OU=orvirt-agent in its subject; certificates made before roles existed have none, re-issue them), used as a node agent: make an agent certificate with scripts/cluster-certs.sh OUTDIR --agent NODE")]
    public void AWrongRoleSaysWhatTheCertificateIsAndWhichOneToMake(string subject, ClusterRole expected, string problem)
    {
        using var certificate = SelfSigned(subject);

        Assert.Equal(problem, ClusterTrust.RoleProblem(certificate, expected));
    }

    [Theory]
    [InlineData("CN=silo-1, OU=orvirt-silo", ClusterRole.Silo)]
    [InlineData("CN=node-1, OU=orvirt-agent", ClusterRole.Agent)]
    public void TheRightRoleHasNoProblem(string subject, ClusterRole role)
    {
        using var certificate = SelfSigned(subject);

        Assert.Null(ClusterTrust.RoleProblem(certificate, role));
    }

    [Fact]
    public async Task TheScriptMakesSiloAndAgentCertificatesWithTheirRolesAndUsages()
    {
        using var certs = await ClusterCertificates.FromScriptAsync("--silo", "silo-a", "--agent", "node-a");
        using var silo = X509Certificate2.CreateFromPem(File.ReadAllText(certs.CertificateFile("silo-a")));
        using var agent = X509Certificate2.CreateFromPem(File.ReadAllText(certs.CertificateFile("node-a")));

        Assert.Equal(ClusterRole.Silo, ClusterTrust.ReadRole(silo));
        Assert.Equal(ClusterRole.Agent, ClusterTrust.ReadRole(agent));
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], Usages(silo));
        // An agent never accepts connections: client use only.
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], Usages(agent));
    }

    [Fact]
    public async Task TheScriptWithoutRolesMakesASiloAndAnAgentCertificate()
    {
        using var certs = await ClusterCertificates.FromScriptAsync();
        using var silo = X509Certificate2.CreateFromPem(File.ReadAllText(certs.CertificateFile("silo")));
        using var agent = X509Certificate2.CreateFromPem(File.ReadAllText(certs.CertificateFile("node-1")));

        Assert.Equal(ClusterRole.Silo, ClusterTrust.ReadRole(silo));
        Assert.Equal(ClusterRole.Agent, ClusterTrust.ReadRole(agent));
    }

    [Fact]
    public async Task TheScriptRefusesBareNamesSayingTheNewForm()
    {
        var folder = Directory.CreateTempSubdirectory("orvirt-certs-").FullName;
        try
        {
            var (code, output) = await RunScriptAsync(folder, "silo", "node-1");

            Assert.True(code == 2, $"exit code {code}; output: {output}");
            Assert.Contains("'silo' has no role", output, StringComparison.Ordinal);
            Assert.Contains($"scripts/cluster-certs.sh {folder} --silo silo --agent node-1", output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(folder, "silo.crt")), "the script made a certificate although it refused its arguments");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task TheScriptHelpExplainsTheRoles()
    {
        var (code, output) = await RunScriptAsync("--help");

        Assert.Equal(0, code);
        foreach (var text in new[] { "--silo NAME", "--agent NAME", "OU=orvirt-silo", "OU=orvirt-agent", "before roles existed" })
        {
            Assert.Contains(text, output, StringComparison.Ordinal);
        }
    }

    private static List<string?> Usages(X509Certificate2 certificate) =>
        [.. certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>()).Select(o => o.Value).Order(StringComparer.Ordinal)];

    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static async Task<(int Code, string Output)> RunScriptAsync(params string[] arguments)
    {
        var script = ClusterCertificates.Script();
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        var (code, stdout, stderr) = await ChildProcesses.RunToExitAsync(psi, TimeSpan.FromSeconds(60));
        return (code, stderr + stdout);
    }
}
