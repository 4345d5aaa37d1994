using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>
/// Finds out why the Orleans client cannot connect when TLS is the cause. Orleans only sees a closed connection when a TLS
/// handshake fails, so after a failed connect the agent opens its own TLS handshake to each gateway with the same certificate
/// and CA and turns the outcome into one line with the gateway and the fix (see <see cref="GatewayTlsWatch"/>): a gateway
/// without TLS, one from another CA or without a silo certificate, or a gateway that refused our certificate (for its CA,
/// or for its role: gateways accept only node agent certificates).
/// </summary>
public sealed class GatewayTlsProbe(IReadOnlyList<(string Host, int Port)> gateways, ClusterTrust? trust)
{
    /// <summary>How long one probe handshake may take.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long after the handshake a refusing gateway has to close the connection.</summary>
    public static readonly TimeSpan RefusalWindow = TimeSpan.FromSeconds(3);

    /// <summary>The time between two probes while the client cannot connect.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(30);

    /// <summary>The TLS problem with the first gateway that has one, or null when TLS is not what keeps the agent out.</summary>
    public async Task<string?> DiagnoseAsync(CancellationToken cancellationToken)
    {
        foreach (var (host, port) in gateways)
        {
            if (await ProbeAsync(host, port, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                return problem;
            }
        }
        return null;
    }

    /// <summary>
    /// One TLS handshake with <paramref name="host"/>:<paramref name="port"/>; the problem found, or null (TLS works, or the
    /// gateway is not listening or too slow to tell). The handshake shows the gateway's certificate; the gateway judges ours
    /// at the end of the handshake and closes the connection when it refuses it (with TLS 1.3 right after the handshake), while
    /// a gateway that accepted it waits for the Orleans preamble, so a close within <see cref="RefusalWindow"/> means refused.
    /// </summary>
    public async Task<string?> ProbeAsync(string host, int port, CancellationToken cancellationToken)
    {
        var gateway = $"{host}:{port}";
        var result = await HandshakeAsync(host, port, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == Outcome.NotListening)
        {
            // Not listening (yet): the ordinary retry covers it.
            return null;
        }
        if (!result.SawServerCertificate)
        {
            // A gateway without TLS does not answer the hello at all (or breaks off).
            return trust is null
                ? null
                : $"gateway {gateway} does not speak TLS (no certificate in its handshake): the silo runs without cluster TLS; set ORVIRT__CLUSTERTLS__CERTIFICATEFILE, __KEYFILE and __CAFILE on the silo, or start the agent without --tls-cert, --tls-key and --tls-ca";
        }
        if (trust is null)
        {
            return $"gateway {gateway} requires cluster TLS and this agent has no certificate: it must present one signed by the cluster CA. {AgentTlsOptions.Fix}";
        }
        if (result.ServerProblem is not null)
        {
            return $"gateway {gateway} presented a certificate not signed by our cluster CA (--tls-ca): {result.ServerProblem}; pass the ca.crt that signed the silo's certificate as --tls-ca";
        }
        if (result.ServerRoleProblem is not null)
        {
            // From our CA but not a silo's: a node's (or a pre-role) certificate posing as a gateway.
            return $"gateway {gateway} is not a silo: its certificate {result.ServerRoleProblem}; the agent connects only to gateways with a silo certificate";
        }
        if (result.Outcome != Outcome.Refused)
        {
            // A time-out proves nothing (a busy gateway); only a connection the gateway broke off means it refused us.
            return null;
        }
        // The gateway accepts only node agent certificates from its CA: when ours is from that CA (it accepted the gateway's),
        // a missing or wrong role is why.
        return ClusterTrust.RoleProblem(trust.Certificate, ClusterRole.Agent) is { } roleProblem
            ? $"gateway {gateway} refused our certificate: {roleProblem}, and pass it as --tls-cert and --tls-key"
            : $"gateway {gateway} refused our certificate '{trust.Certificate.Subject}': it must be signed by the cluster CA the silo trusts (--tls-ca, ORVIRT__CLUSTERTLS__CAFILE). {AgentTlsOptions.Fix}";
    }

    private async Task<Handshake> HandshakeAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new Handshake(Outcome.NotListening, false, null, null);
        }
        var sawServerCertificate = false;
        string? serverProblem = null;
        string? serverRoleProblem = null;
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) =>
        {
            if (certificate is null)
            {
                return false;
            }
            sawServerCertificate = true;
            if (trust is null)
            {
                // Diagnosis only: a certificate at all shows that the gateway wants TLS.
                return true;
            }
            using var remote = new X509Certificate2(certificate);
            if (!trust.IsTrusted(remote, out var reason))
            {
                serverProblem = reason;
                return false;
            }
            serverRoleProblem = ClusterTrust.RoleProblem(remote, ClusterRole.Silo);
            return serverRoleProblem is null;
        });
        await using (ssl.ConfigureAwait(false))
        {
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = host,
                EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                ClientCertificates = trust is null ? null : [trust.Certificate],
                LocalCertificateSelectionCallback = trust is null ? null : (_, _, _, _, _) => trust.Certificate,
            };
            try
            {
                await ssl.AuthenticateAsClientAsync(options, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
                // Broken off inside the handshake after its certificate reached us: the gateway refused ours.
                return new Handshake(Outcome.Refused, sawServerCertificate, serverProblem, serverRoleProblem);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new Handshake(Outcome.TimedOut, sawServerCertificate, serverProblem, serverRoleProblem);
            }
            if (trust is null)
            {
                return new Handshake(Outcome.Accepted, sawServerCertificate, serverProblem, serverRoleProblem);
            }
            using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            window.CancelAfter(RefusalWindow);
            try
            {
                var read = await ssl.ReadAsync(new byte[1], window.Token).ConfigureAwait(false);
                // An accepting Orleans gateway sends nothing before our preamble; a close is the refusal.
                return new Handshake(read == 0 ? Outcome.Refused : Outcome.Accepted, sawServerCertificate, serverProblem, serverRoleProblem);
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
                return new Handshake(Outcome.Refused, sawServerCertificate, serverProblem, serverRoleProblem);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new Handshake(Outcome.Accepted, sawServerCertificate, serverProblem, serverRoleProblem);
            }
        }
    }

    private enum Outcome
    {
        NotListening,
        Refused,
        TimedOut,
        Accepted,
    }

    private readonly record struct Handshake(Outcome Outcome, bool SawServerCertificate, string? ServerProblem, string? ServerRoleProblem);
}
