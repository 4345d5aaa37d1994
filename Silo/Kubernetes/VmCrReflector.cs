using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace Orvirt.Silo.Kubernetes;

/// <summary>
/// KubernetesClient has no informer, so this is a small reflector for VirtualMachines: list, then watch from the
/// list's resourceVersion with bookmarks; on 410 Gone list again; when a watch ends or the connection drops,
/// watch again from the last resourceVersion seen, backing off when a watch brings nothing or fails.
/// </summary>
internal sealed class VmCrReflector(IKubernetes kubernetes, KubernetesSyncOptions options, ILogger logger, TimeProvider time)
{
    /// <summary>Lists and watches until cancelled. <paramref name="onList"/> gets every object of a (re)list, <paramref name="onEvent"/> each change.</summary>
    public async Task RunAsync(Func<IReadOnlyList<JsonObject>, Task> onList, Func<WatchEventType, JsonObject, Task> onEvent, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(options.BackoffBase, options.BackoffCap);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var list = await ListAsync(cancellationToken);
                var resourceVersion = (string?)list["metadata"]?["resourceVersion"] ?? "";
                var items = list["items"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
                KubernetesSyncLog.Listed(logger, items.Count, resourceVersion);
                await onList(items);
                backoff.Reset();
                resourceVersion = await WatchUntilExpiredAsync(resourceVersion, onEvent, backoff, cancellationToken);
                KubernetesSyncLog.WatchExpired(logger, resourceVersion);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (IsTransient(e))
            {
                var delay = backoff.Next();
                KubernetesSyncLog.ReflectorFailed(logger, e, delay);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    /// <summary>Watches from <paramref name="resourceVersion"/> until the server says it expired; returns the last version seen.</summary>
    private async Task<string> WatchUntilExpiredAsync(string resourceVersion, Func<WatchEventType, JsonObject, Task> onEvent, Backoff backoff, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var expired = false;
            Exception? streamError = null;
            var events = 0;
            void OnError(Exception e)
            {
                if (e is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
                {
                    expired = true;
                }
                else
                {
                    streamError ??= e;
                }
            }

            try
            {
                await foreach (var (type, item) in Watch(resourceVersion, OnError, cancellationToken))
                {
                    events++;
                    var obj = JsonNode.Parse(((JsonElement)item).GetRawText())!.AsObject();
                    if ((string?)obj["metadata"]?["resourceVersion"] is { Length: > 0 } rv)
                    {
                        resourceVersion = rv;
                    }
                    if (type is WatchEventType.Bookmark or WatchEventType.Error)
                    {
                        continue;
                    }
                    await onEvent(type, obj);
                }
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                expired = true;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsTransient(e))
            {
                // The connection dropped: watch again from the last resourceVersion seen.
                streamError = e;
            }
            if (expired)
            {
                return resourceVersion;
            }
            if (streamError is not null)
            {
                var delay = backoff.Next();
                KubernetesSyncLog.ReflectorFailed(logger, streamError, delay);
                await Task.Delay(delay, time, cancellationToken);
            }
            else if (events == 0)
            {
                // A watch that ends before its first event (a proxy timeout, a server restart): do not spin.
                var delay = backoff.Next();
                KubernetesSyncLog.EmptyWatch(logger, delay);
                await Task.Delay(delay, time, cancellationToken);
            }
            else
            {
                backoff.Reset();
            }
        }
    }

    private async Task<JsonObject> ListAsync(CancellationToken cancellationToken)
    {
        var list = string.IsNullOrEmpty(options.Namespace)
            ? await kubernetes.CustomObjects.ListClusterCustomObjectAsync<JsonObject>(
                VirtualMachineResource.Group, VirtualMachineResource.Version, VirtualMachineResource.Plural, cancellationToken: cancellationToken)
            : await kubernetes.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(
                VirtualMachineResource.Group, VirtualMachineResource.Version, options.Namespace, VirtualMachineResource.Plural, cancellationToken: cancellationToken);
        return list;
    }

    private IAsyncEnumerable<(WatchEventType, object)> Watch(string resourceVersion, Action<Exception> onError, CancellationToken cancellationToken)
    {
        var timeout = (int)options.WatchTimeout.TotalSeconds;
        return string.IsNullOrEmpty(options.Namespace)
            ? kubernetes.CustomObjects.WatchListClusterCustomObjectAsync(
                VirtualMachineResource.Group, VirtualMachineResource.Version, VirtualMachineResource.Plural,
                allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: onError, cancellationToken: cancellationToken)
            : kubernetes.CustomObjects.WatchListNamespacedCustomObjectAsync(
                VirtualMachineResource.Group, VirtualMachineResource.Version, options.Namespace, VirtualMachineResource.Plural,
                allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: onError, cancellationToken: cancellationToken);
    }

    internal static bool IsTransient(Exception e) =>
        e is HttpOperationException or HttpRequestException or IOException or KubernetesException or JsonException
            or TaskCanceledException { InnerException: TimeoutException };
}
