using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Streams;
using Orvirt.Interfaces;
using Orvirt.Silo.Api;

namespace Orvirt.Silo.Metrics;

/// <summary>
/// Feeds <see cref="VmMetrics"/>: subscribes to the VM event stream, lists every VM once the silo has started,
/// and then relists nodes every <see cref="MetricsOptions.RefreshInterval"/> so that node readiness stays current,
/// and VMs every <see cref="MetricsOptions.VmRelistInterval"/> so that a dropped event is corrected.
/// </summary>
public sealed partial class VmMetricsCollector : BackgroundService
{
    private const int PageSize = 500;
    private readonly IClusterClient _client;
    private readonly VmMetrics _metrics;
    private readonly IOptions<MetricsOptions> _options;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<VmMetricsCollector> _logger;

    public VmMetricsCollector(IClusterClient client, VmMetrics metrics, IOptions<MetricsOptions> options, IHostApplicationLifetime lifetime, ILogger<VmMetricsCollector> logger)
    {
        _client = client;
        _metrics = metrics;
        _options = options;
        _lifetime = lifetime;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await WaitForStartAsync(stoppingToken))
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var channel = Channel.CreateBounded<VmEvent>(new BoundedChannelOptions(VirtualMachinesService.WatchBufferSize) { SingleReader = true });
            var observer = new VmEventChannelObserver(channel.Writer);
            StreamSubscriptionHandle<VmEvent>? subscription = null;
            try
            {
                subscription = await _client.GetStreamProvider(OrvirtNames.StreamProvider)
                    .GetStream<VmEvent>(StreamId.Create(OrvirtNames.VmEventStreamNamespace, OrvirtNames.VmEventStreamKey))
                    .SubscribeAsync(observer);
                await RefreshAsync(includeVms: true, stoppingToken);
                var vmsListedAt = Environment.TickCount64;
                using var timer = new PeriodicTimer(_options.Value.RefreshInterval);
                var tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                var read = channel.Reader.WaitToReadAsync(stoppingToken).AsTask();
                while (true)
                {
                    var done = await Task.WhenAny(tick, read);
                    if (done == read)
                    {
                        if (!await read)
                        {
                            break; // The stream failed or we fell behind: subscribe again and relist.
                        }
                        while (channel.Reader.TryRead(out var e))
                        {
                            _metrics.Observe(e);
                        }
                        read = channel.Reader.WaitToReadAsync(stoppingToken).AsTask();
                    }
                    else
                    {
                        if (!await tick)
                        {
                            return;
                        }
                        var relistVms = Environment.TickCount64 - vmsListedAt >= (long)_options.Value.VmRelistInterval.TotalMilliseconds;
                        await RefreshAsync(relistVms, stoppingToken);
                        if (relistVms)
                        {
                            vmsListedAt = Environment.TickCount64;
                        }
                        tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                    }
                }
                LogResubscribe(_logger, observer.StreamError?.Message ?? "the collector fell behind the event stream");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
            {
                LogRefreshFailed(_logger, e.Message);
                if (!await PauseAsync(stoppingToken))
                {
                    return;
                }
            }
            finally
            {
                if (subscription is not null)
                {
                    await UnsubscribeQuietlyAsync(subscription);
                }
            }
        }
    }

    private async Task RefreshAsync(bool includeVms, CancellationToken cancellationToken)
    {
        var nodes = await _client.GetGrain<INodeDirectoryGrain>(GrainKeys.NodeDirectory).ListAsync();
        _metrics.SetNodes(nodes);
        if (!includeVms)
        {
            return;
        }
        var index = _client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex);
        var snapshots = new List<VmSnapshot>();
        var next = "";
        do
        {
            var page = await index.ListAsync(new VmListQuery { Limit = PageSize, Continue = next });
            var results = await Task.WhenAll(page.Items.Select(id => _client.GetGrain<IVirtualMachineGrain>(id.Key).GetAsync()));
            snapshots.AddRange(results.Where(r => r.IsOk && r.Vm is not null).Select(r => r.Vm!));
            next = page.Continue;
        }
        while (!string.IsNullOrEmpty(next) && !cancellationToken.IsCancellationRequested);
        _metrics.Reset(snapshots);
    }

    private async Task<bool> WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = _lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Waits one refresh interval before a retry; false when the host is stopping.</summary>
    private async Task<bool> PauseAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(_options.Value.RefreshInterval, stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task UnsubscribeQuietlyAsync(StreamSubscriptionHandle<VmEvent> subscription)
    {
        try
        {
            await subscription.UnsubscribeAsync();
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            LogRefreshFailed(_logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metrics could not read VMs or nodes: {Problem}; retrying")]
    private static partial void LogRefreshFailed(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Metrics resubscribe to the VM event stream: {Reason}")]
    private static partial void LogResubscribe(ILogger logger, string reason);
}
