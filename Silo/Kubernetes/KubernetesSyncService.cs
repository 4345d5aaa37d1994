using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Kubernetes;

/// <summary>
/// The CRD sync as a hosted service: campaigns for the Lease with <see cref="LeaderElector"/> and, while it leads,
/// runs the sync (<see cref="VmCrSync"/>). Losing the Lease ends the term at once; a new term starts from a fresh list.
/// </summary>
public sealed class KubernetesSyncService(
    IClusterClient cluster,
    IOptions<KubernetesSyncOptions> options,
    IOptions<ValidationLimits> limits,
    ILogger<KubernetesSyncService> logger,
    TimeProvider time) : BackgroundService
{
    private readonly KubernetesSyncOptions _options = options.Value;
    private volatile bool _leading;

    /// <summary>This silo's identity in the Lease.</summary>
    public string Identity { get; } = string.IsNullOrWhiteSpace(options.Value.Identity)
        ? $"{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}"
        : options.Value.Identity;

    /// <summary>True while this silo holds the Lease and runs the sync.</summary>
    public bool IsLeader => _leading;

    /// <summary>The API client for the configured server.</summary>
    public static IKubernetes CreateClient(KubernetesSyncOptions options)
    {
        var config = options.InCluster
            ? KubernetesClientConfiguration.InClusterConfig()
            : !string.IsNullOrWhiteSpace(options.Kubeconfig)
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig)
                : new KubernetesClientConfiguration { Host = options.Server };
        return new k8s.Kubernetes(config);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var kubernetes = CreateClient(_options);
        var backoff = new Backoff(_options.BackoffBase, _options.BackoffCap);
        while (!stoppingToken.IsCancellationRequested)
        {
            using var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(kubernetes, _options.LeaseNamespace, _options.LeaseName, Identity))
            {
                LeaseDuration = _options.LeaseDuration,
                RenewDeadline = _options.RenewDeadline,
                RetryPeriod = _options.RetryPeriod,
            });
            using var term = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            Task? sync = null;
            elector.OnStartedLeading += () =>
            {
                _leading = true;
                KubernetesSyncLog.StartedLeading(logger, Identity, _options.LeaseNamespace, _options.LeaseName);
                sync = new VmCrSync(kubernetes, cluster, _options, limits.Value, logger, time).RunAsync(term.Token);
            };
            elector.OnStoppedLeading += () =>
            {
                _leading = false;
                term.Cancel();
                KubernetesSyncLog.StoppedLeading(logger, Identity);
            };
            try
            {
                await elector.RunUntilLeadershipLostAsync(stoppingToken);
                backoff.Reset();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception e) when (VmCrReflector.IsTransient(e))
            {
                var delay = backoff.Next();
                KubernetesSyncLog.ElectionFailed(logger, e, delay);
                await Task.Delay(delay, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            finally
            {
                _leading = false;
                await term.CancelAsync();
                if (sync is not null)
                {
                    await sync.ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
        }
    }
}
