extern alias silo;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Orvirt.Api.V1;
using Orvirt.Testing;
using silo::Orvirt.Silo.Security;

namespace Orvirt.Security.Tests;

/// <summary>Optional TLS from PEM files (<c>Orvirt:Tls</c>) on both endpoints.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task WithCertificateFilesBothEndpointsSpeakTlsWithThatCertificate()
    {
        var folder = Directory.CreateTempSubdirectory("orvirt-tls-").FullName;
        using var certificate = SelfSigned();
        var certFile = Path.Combine(folder, "tls.crt");
        var keyFile = Path.Combine(folder, "tls.key");
        await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
        using (var key = certificate.GetECDsaPrivateKey()!)
        {
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        }
        var grpcPort = FreePort();
        var httpPort = FreePort();
        var psi = new ProcessStartInfo(BuiltDll.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        psi.ArgumentList.Add(BuiltDll.Locate("Silo", "Orvirt.Silo.csproj", "orvirt-silo.dll", "ORVIRT_SILO_DLL"));
        psi.Environment["ORVIRT__DATADIRECTORY"] = Path.Combine(folder, "data");
        psi.Environment["ORVIRT__GRPCENDPOINT"] = $"127.0.0.1:{grpcPort}";
        psi.Environment["ORVIRT__HTTPENDPOINT"] = $"127.0.0.1:{httpPort}";
        psi.Environment["ORVIRT__SILOPORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["ORVIRT__GATEWAYPORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["ORVIRT__TLS__CERTIFICATEFILE"] = certFile;
        psi.Environment["ORVIRT__TLS__KEYFILE"] = keyFile;
        psi.Environment.Remove("KUBERNETES_SERVICE_HOST");
        using var process = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var handler = Trusting(certificate);
        using var grpcHandler = Trusting(certificate);
        try
        {
            using var http = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(10) };
            await Eventually.MatchAsync(
                async () => process.HasExited ? throw new InvalidOperationException($"the silo exited: {Snapshot(output)}") : (await http.GetAsync($"https://127.0.0.1:{httpPort}/healthz")).StatusCode,
                code => code == HttpStatusCode.OK,
                "the silo's /healthz over https",
                TimeSpan.FromSeconds(90));

            using var secure = GrpcChannel.ForAddress($"https://127.0.0.1:{grpcPort}", new GrpcChannelOptions { HttpHandler = grpcHandler, DisposeHttpClient = false });
            var nodes = await new Nodes.NodesClient(secure).ListAsync(new ListNodesRequest());
            using var plain = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
            var cleartext = await Assert.ThrowsAsync<RpcException>(() => new Nodes.NodesClient(plain).ListAsync(new ListNodesRequest()).ResponseAsync);

            Assert.Empty(nodes.Items);
            Assert.NotEqual(StatusCode.OK, cleartext.StatusCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(true, false, "ORVIRT__TLS__KEYFILE")]
    [InlineData(false, true, "ORVIRT__TLS__CERTIFICATEFILE")]
    public void OnlyOneOfTheTwoFilesIsRefusedNamingBothSettings(bool cert, bool key, string setting)
    {
        var failures = new List<string>();
        var loaded = TlsCertificate.Load(new TlsOptions { CertificateFile = cert ? "/tmp/x.crt" : null, KeyFile = key ? "/tmp/x.key" : null }, failures);

        Assert.Null(loaded);
        Assert.Contains(setting, Assert.Single(failures), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnreadableCertificateIsRefusedNamingTheFiles()
    {
        var failures = new List<string>();
        TlsCertificate.Load(new TlsOptions { CertificateFile = "/nonexistent/tls.crt", KeyFile = "/nonexistent/tls.key" }, failures);

        Assert.Contains("'/nonexistent/tls.crt'", Assert.Single(failures), StringComparison.Ordinal);
    }

    // A handler that trusts exactly the test's certificate, nothing else.
    private static SocketsHttpHandler Trusting(X509Certificate2 certificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
        return handler;
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static string Snapshot(System.Text.StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
