using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orvirt.NodeAgent.Agent;

/// <summary>
/// While the Orleans client has not connected (the host has not started), asks <see cref="GatewayTlsProbe"/> every few
/// seconds whether TLS is why, and logs its one-line diagnosis with the gateway and the
/// fix, so that an agent the gateway turns away says so instead of retrying silently. It starts in the host's "starting"
/// phase and is registered before the Orleans client, whose start waits for a gateway, so that it runs while the client retries.
/// </summary>
public sealed partial class GatewayTlsWatch(GatewayTlsProbe probe, IHostApplicationLifetime lifetime, ILogger<GatewayTlsWatch> logger) : IHostedLifecycleService, IDisposable
{
    /// <summary>How long the client may try before the first probe (a normal connect takes well under this), and the pause after a probe that found nothing.</summary>
    public static readonly TimeSpan FirstProbeAfter = TimeSpan.FromSeconds(3);

    /// <summary>How many probes that find nothing are repeated after <see cref="FirstProbeAfter"/> rather than the probe interval.</summary>
    public const int QuickProbes = 5;

    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public void Dispose() => _stopping.Dispose();

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        using var connected = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStarted);
        try
        {
            await Task.Delay(FirstProbeAfter, connected.Token).ConfigureAwait(false);
            string? last = null;
            var probes = 0;
            while (!connected.IsCancellationRequested)
            {
                string? problem;
                try
                {
                    problem = await probe.DiagnoseAsync(connected.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A diagnosis that fails must not end the watch; say so and try again later.
                    ProbeFailed(logger, e);
                    await Task.Delay(GatewayTlsProbe.ProbeInterval, connected.Token).ConfigureAwait(false);
                    continue;
                }
                if (problem is not null)
                {
                    ClusterTlsFailed(logger, problem);
                }
                else if (last is not null)
                {
                    NoTlsProblem(logger);
                }
                last = problem;
                probes++;
                // Nothing found in the first few probes (a gateway still starting, or too busy to tell): look again soon.
                // Otherwise now and then, so a gateway without TLS is not sent a stray hello every few seconds.
                var pause = problem is null && probes < QuickProbes ? FirstProbeAfter : GatewayTlsProbe.ProbeInterval;
                await Task.Delay(pause, connected.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Connected (the host started) or stopping: nothing more to diagnose.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot join the cluster: {Problem}")]
    private static partial void ClusterTlsFailed(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check the gateways' TLS handshake")]
    private static partial void ProbeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The gateways' TLS handshake now succeeds; still waiting for the Orleans client to connect")]
    private static partial void NoTlsProblem(ILogger logger);
}
