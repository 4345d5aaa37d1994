using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Orvirt.Kubernetes.Tests;

/// <summary>Runs one watch in the background and keeps what it delivered: events, errors, and whether the stream ended.</summary>
internal sealed class WatchCollector : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<(WatchEventType Type, JsonObject Object)> _events = [];
    private readonly List<Exception> _errors = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public WatchCollector(IKubernetes k, string? resourceVersion, string? labelSelector = null)
    {
        _loop = Task.Run(async () =>
        {
            var events = k.CustomObjects.WatchListNamespacedCustomObjectAsync(
                Kube.Group, Kube.Version, Kube.Ns, Kube.Plural,
                allowWatchBookmarks: true, resourceVersion: resourceVersion, labelSelector: labelSelector,
                onError: OnError, cancellationToken: _stop.Token);
            try
            {
                await foreach (var (type, obj) in events)
                {
                    var node = JsonNode.Parse(((JsonElement)obj).GetRawText())!.AsObject();
                    lock (_gate)
                    {
                        _events.Add((type, node));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                OnError(e);
            }
            finally
            {
                Ended = true;
            }
        });
    }

    public bool Ended { get; private set; }

    public List<(WatchEventType Type, JsonObject Object)> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public List<Exception> Errors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Events other than bookmarks, as "TYPE name" lines.</summary>
    public List<string> Changes() =>
        Events.Where(e => e.Type != WatchEventType.Bookmark).Select(e => $"{e.Type} {Kube.Name(e.Object)}").ToList();

    public string Describe() =>
        $"events [{string.Join(", ", Events.Select(e => $"{e.Type} {e.Object["metadata"]?["name"]}@{e.Object["metadata"]?["resourceVersion"]}"))}], errors [{string.Join("; ", Errors.Select(e => e.Message))}], ended {Ended}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private void OnError(Exception e)
    {
        lock (_gate)
        {
            _errors.Add(e);
        }
    }
}
