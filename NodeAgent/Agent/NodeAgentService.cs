using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Metrics;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Agent;

/// <summary>Hosts the <see cref="AgentController"/> on an Orleans client: subscribes to the node stream, and after a gateway reconnect subscribes again and resyncs.</summary>
public sealed partial class NodeAgentService(
    IClusterClient client,
    IOptions<AgentOptions> options,
    IPodRuntime runtime,
    ClusterConnectionWatcher watcher,
    TimeProvider time,
    ILoggerFactory loggers,
    WorkQueueMetrics metrics) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<NodeAgentService>();
    private readonly SemaphoreSlim _reconnected = new(0, 1);
    private StreamSubscriptionHandle<VmDesired>? _subscription;

    /// <summary>The running controller (null before start).</summary>
    public AgentController? Controller { get; private set; }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        await using var controller = new AgentController(o, runtime, new OrleansControlPlane(client), time, loggers);
        metrics.Attach(controller.Queue);
        Controller = controller;
        watcher.Reconnected += OnReconnected;
        try
        {
            await controller.StartAsync(stoppingToken);
            await SubscribeAsync(controller, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                await _reconnected.WaitAsync(stoppingToken);
                LogReconnected(_logger, o.Node);
                try
                {
                    await controller.RegisterAsync(stoppingToken);
                    await SubscribeAsync(controller, stoppingToken);
                    controller.RequestResync();
                }
                catch (Exception e) when (VmReconciler.IsTransient(e))
                {
                    LogResubscribeFailed(_logger, o.Node, e.Message);
                    OnReconnected();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
        finally
        {
            watcher.Reconnected -= OnReconnected;
        }
    }

    private async Task SubscribeAsync(AgentController controller, CancellationToken ct)
    {
        var node = options.Value.Node;
        var stream = client.GetStreamProvider(OrvirtNames.StreamProvider)
            .GetStream<VmDesired>(StreamId.Create(OrvirtNames.NodeStreamNamespace, node));
        if (_subscription is not null)
        {
            try
            {
                await _subscription.UnsubscribeAsync().WaitAsync(TimeSpan.FromSeconds(5), ct);
            }
            catch (Exception e) when (VmReconciler.IsTransient(e) || e is InvalidOperationException)
            {
                // The old subscription died with the connection; a new one replaces it.
            }
        }
        var observer = new NodeStreamObserver(controller.OnDesired, e =>
        {
            LogStreamError(_logger, node, e.Message);
            controller.RequestResync();
        });
        _subscription = await stream.SubscribeAsync(observer).WaitAsync(ct);
        LogSubscribed(_logger, node);
        // Anything published before the subscription existed is picked up by a resync.
        controller.RequestResync();
    }

    private void OnReconnected()
    {
        try
        {
            _reconnected.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node}: subscribed to its desired-state stream")]
    private static partial void LogSubscribed(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node}: stream error {Error}; resyncing")]
    private static partial void LogStreamError(ILogger logger, string node, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node}: gateway connection recovered; registering, subscribing and resyncing")]
    private static partial void LogReconnected(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node}: resubscribe failed: {Error}; will retry")]
    private static partial void LogResubscribeFailed(ILogger logger, string node, string error);
}
