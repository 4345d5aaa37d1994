using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Orvirt.Security.Tests;

/// <summary>
/// A TLS server on 127.0.0.1 that poses as an Orleans gateway with a certificate of our choosing (e.g. a stolen node
/// certificate): it accepts any client certificate and counts completed handshakes and the application bytes clients send
/// over them (an Orleans client that accepted it would send its preamble at once). Dispose it to stop it.
/// </summary>
public sealed class RogueGateway : IAsyncDisposable
{
    private const int MaxConnections = 200;
    private static readonly TimeSpan ReadWindow = TimeSpan.FromSeconds(5);
    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _handshakes;
    private int _applicationBytes;

    private RogueGateway(X509Certificate2 certificate)
    {
        _certificate = certificate;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _loop = Task.Run(() => AcceptAsync(_stop.Token));
    }

    /// <summary>The port it listens on.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>TLS handshakes started by clients (whether or not they completed).</summary>
    public int Handshakes => Volatile.Read(ref _handshakes);

    /// <summary>Bytes clients sent after a completed handshake.</summary>
    public int ApplicationBytes => Volatile.Read(ref _applicationBytes);

    /// <summary>Starts it with the PEM certificate and key.</summary>
    public static RogueGateway Start(string certificateFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        // SslStream on Linux wants a certificate whose key it can hand to OpenSSL; a PKCS#12 round trip gives one.
        return new RogueGateway(X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
        _stop.Dispose();
        _certificate.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        var connections = new List<Task>();
        for (var i = 0; i < MaxConnections && !cancellationToken.IsCancellationRequested; i++)
        {
            var client = await _listener.AcceptTcpClientAsync(cancellationToken);
            connections.Add(ServeAsync(client, cancellationToken));
        }
        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        {
            Interlocked.Increment(ref _handshakes);
            var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            await using (ssl)
            {
                using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                window.CancelAfter(ReadWindow);
                try
                {
                    await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = _certificate,
                        ClientCertificateRequired = true,
                        RemoteCertificateValidationCallback = (_, _, _, _) => true,
                    }, window.Token);
                    var buffer = new byte[4096];
                    int read;
                    while ((read = await ssl.ReadAsync(buffer, window.Token)) > 0)
                    {
                        Interlocked.Add(ref _applicationBytes, read);
                    }
                }
                catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // The client broke the handshake off (it refused our certificate), went quiet, or we are stopping.
                }
            }
        }
    }
}
