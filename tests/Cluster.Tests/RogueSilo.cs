using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Connections.Security;
using Orvirt.Testing;
using StackExchange.Redis;

namespace Orvirt.Cluster.Tests;

/// <summary>
/// An attacker's own Orleans silo, run in the test process: it joins the cluster's Redis membership table (service and
/// cluster id <c>orvirt</c>) on 127.0.0.1 with a certificate of our choosing (e.g. a stolen node certificate) and trusts every
/// peer, so only the cluster's own checks can keep it out. Its join is bounded by <see cref="JoinTimeout"/>; dispose it to stop it.
/// </summary>
public sealed class RogueSilo : IAsyncDisposable
{
    /// <summary>How long it tries to join (Orleans' ClusterMembershipOptions.MaxJoinAttemptTime) before its start fails.</summary>
    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    private readonly IHost _host;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();

    private RogueSilo(IHost host, X509Certificate2 certificate, RogueSiloFatalErrors fatalErrors)
    {
        _host = host;
        _certificate = certificate;
        Started = Task.Run(() => _host.StartAsync(_stop.Token));
        Outcome = OutcomeAsync(fatalErrors);
    }

    /// <summary>Its start: completes when it joined the cluster, faults when it could not.</summary>
    public Task Started { get; }

    /// <summary>
    /// How its attempt ended: "joined" when its start completed (it became Active), otherwise why not (its start failed, or
    /// the cluster declared it dead).
    /// </summary>
    public Task<string> Outcome { get; }

    /// <summary>Starts joining the cluster in <paramref name="redis"/> on <paramref name="ports"/> with the PEM certificate and key.</summary>
    public static RogueSilo Start(string redis, SiloPorts ports, string certificateFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        var fatalErrors = new RogueSiloFatalErrors();
        builder.UseOrleans(silo =>
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = "orvirt";
                o.ServiceId = "orvirt";
            });
            silo.ConfigureEndpoints(IPAddress.Loopback, ports.Silo, ports.Gateway);
            silo.Configure<ClusterMembershipOptions>(o => o.MaxJoinAttemptTime = JoinTimeout);
            silo.Services.AddSingleton<IFatalErrorHandler>(fatalErrors);
            silo.UseTls(certificate, tls =>
            {
                tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
                tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
                tls.RemoteCertificateValidation = (_, _, _) => true;
                tls.LocalClientCertificateSelector = (_, _, _, _, _) => certificate;
                tls.OnAuthenticateAsClient = (_, client) => client.TargetHost = "localhost";
            });
        });
        return new RogueSilo(builder.Build(), certificate, fatalErrors);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Started;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // It failed to join or was cancelled: what the test expects, or already reported by it.
        }
        using var stopDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _host.StopAsync(stopDeadline.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or OrleansException)
        {
            // A host whose start failed may not stop cleanly; it is disposed below either way.
        }
        _host.Dispose();
        _stop.Dispose();
        _certificate.Dispose();
    }

    private async Task<string> OutcomeAsync(RogueSiloFatalErrors fatalErrors)
    {
        var started = Started.ContinueWith(
            t => t.IsCompletedSuccessfully ? "joined" : $"start failed: {t.Exception?.GetBaseException().Message ?? "cancelled"}",
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
        var dead = fatalErrors.First.ContinueWith(t => "fatal error: " + t.Result, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        return await await Task.WhenAny(started, dead);
    }
}
