using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Orleans.Runtime;
using Orvirt.Interfaces;
using Orvirt.Silo.Api;

namespace Orvirt.Silo.Web;

/// <summary>
/// The server-sent events behind the VM page (<c>/api/events</c>). Each connection gets <c>reset</c>, then every
/// VM as <c>vm</c> (type ADDED), then <c>synced</c>, then a <c>vm</c> for each change from the VM event stream, and
/// <c>nodes</c> whenever the node list changes. A client that falls behind is disconnected; the browser's
/// EventSource reconnects and starts again from <c>reset</c>.
/// </summary>
public sealed partial class VmEventFeed
{
    /// <summary>How often the node list is checked for changes.</summary>
    public static readonly TimeSpan NodePollInterval = TimeSpan.FromSeconds(2);

    private const int PageSize = 500;
    private readonly IClusterClient _client;
    private readonly ILogger<VmEventFeed> _logger;

    public VmEventFeed(IClusterClient client, ILogger<VmEventFeed> logger)
    {
        _client = client;
        _logger = logger;
    }

    /// <summary>The events of one connection until the client goes away or falls behind.</summary>
    public async IAsyncEnumerable<SseItem<string>> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<VmEvent>(new BoundedChannelOptions(VirtualMachinesService.WatchBufferSize) { SingleReader = true });
        var observer = new VmEventChannelObserver(channel.Writer);
        var stream = _client.GetStreamProvider(OrvirtNames.StreamProvider)
            .GetStream<VmEvent>(StreamId.Create(OrvirtNames.VmEventStreamNamespace, OrvirtNames.VmEventStreamKey));
        // Subscribe before listing so that no change falls between; older versions are dropped below.
        var subscription = await stream.SubscribeAsync(observer);
        LogFeedStarted(_logger);
        try
        {
            yield return Item("reset", "{}");
            var sent = new Dictionary<VmId, long>();
            foreach (var vm in await ListAsync(cancellationToken))
            {
                sent[vm.Id] = vm.ResourceVersion;
                yield return Item("vm", Json(new VmEventView("ADDED", vm)));
            }
            var nodes = Json(await NodesAsync());
            yield return Item("nodes", nodes);
            yield return Item("synced", "{}");

            var nextNodeCheck = DateTimeOffset.UtcNow + NodePollInterval;
            var read = channel.Reader.WaitToReadAsync(cancellationToken).AsTask();
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = nextNodeCheck - DateTimeOffset.UtcNow;
                var timeout = Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancellationToken);
                if (await Task.WhenAny(read, timeout) == read)
                {
                    if (!await read)
                    {
                        LogFeedEnded(_logger, observer.Overflowed ? "the client fell behind" : observer.StreamError?.Message ?? "the stream completed");
                        yield break;
                    }
                    while (channel.Reader.TryRead(out var e))
                    {
                        if (e.Type == VmEventType.Deleted)
                        {
                            sent.Remove(e.Vm.Id);
                        }
                        else if (sent.TryGetValue(e.Vm.Id, out var seen) && e.Vm.ResourceVersion <= seen)
                        {
                            continue;
                        }
                        else
                        {
                            sent[e.Vm.Id] = e.Vm.ResourceVersion;
                        }
                        yield return Item("vm", Json(new VmEventView(EventType(e.Type), e.Vm)));
                    }
                    read = channel.Reader.WaitToReadAsync(cancellationToken).AsTask();
                }
                else if (!cancellationToken.IsCancellationRequested)
                {
                    nextNodeCheck = DateTimeOffset.UtcNow + NodePollInterval;
                    var current = Json(await NodesAsync());
                    if (current != nodes)
                    {
                        nodes = current;
                        yield return Item("nodes", nodes);
                    }
                }
            }
        }
        finally
        {
            await subscription.UnsubscribeAsync();
        }
    }

    /// <summary>Every VM, in namespace and name order.</summary>
    public async Task<IReadOnlyList<VmSnapshot>> ListAsync(CancellationToken cancellationToken, string? @namespace = null)
    {
        var index = _client.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex);
        var all = new List<VmSnapshot>();
        var next = "";
        do
        {
            var page = await index.ListAsync(new VmListQuery { Namespace = @namespace, Limit = PageSize, Continue = next });
            var results = await Task.WhenAll(page.Items.Select(id => _client.GetGrain<IVirtualMachineGrain>(id.Key).GetAsync()));
            all.AddRange(results.Where(r => r.IsOk && r.Vm is not null).Select(r => r.Vm!));
            next = page.Continue;
        }
        while (!string.IsNullOrEmpty(next) && !cancellationToken.IsCancellationRequested);
        return all;
    }

    /// <summary>Every known node, by name.</summary>
    public async Task<IReadOnlyList<NodeInfo>> NodesAsync() =>
        [.. (await _client.GetGrain<INodeDirectoryGrain>(GrainKeys.NodeDirectory).ListAsync()).OrderBy(n => n.Name, StringComparer.Ordinal)];

    private static SseItem<string> Item(string type, string data) => new(data, type);

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, WebJson.Options);

    private static string EventType(VmEventType type) => type switch
    {
        VmEventType.Added => "ADDED",
        VmEventType.Deleted => "DELETED",
        _ => "MODIFIED",
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "VM page event feed started")]
    private static partial void LogFeedStarted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "VM page event feed ended: {Reason}")]
    private static partial void LogFeedEnded(ILogger logger, string reason);
}
