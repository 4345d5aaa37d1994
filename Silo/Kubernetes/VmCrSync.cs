using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Kubernetes;

/// <summary>
/// One leadership term of the CRD sync: a reflector feeds a cache and a work queue keyed by VM; workers reconcile
/// each CR with its grain (spec and generation in, status out); VM events from the grains and a periodic resync
/// keep the status current. Runs only on the silo that holds the Lease.
/// </summary>
internal sealed class VmCrSync(IKubernetes kubernetes, IClusterClient cluster, KubernetesSyncOptions options, ValidationLimits limits, ILogger logger, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, JsonObject> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, VmTrack> _tracks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly WorkQueue _queue = new(time);
    private volatile bool _listed;

    /// <summary>Keys waiting or being reconciled.</summary>
    public int QueueDepth => _queue.Depth;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        StreamSubscriptionHandle<VmEvent>? subscription = null;
        try
        {
            subscription = await cluster.GetStreamProvider(OrvirtNames.StreamProvider)
                .GetStream<VmEvent>(StreamId.Create(OrvirtNames.VmEventStreamNamespace, OrvirtNames.VmEventStreamKey))
                .SubscribeAsync((e, _) =>
                {
                    OnVmEvent(e);
                    return Task.CompletedTask;
                });
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            KubernetesSyncLog.SubscribeFailed(logger, e, options.ResyncPeriod);
        }
        var reflector = new VmCrReflector(kubernetes, options, logger, time);
        var tasks = new List<Task> { reflector.RunAsync(OnListAsync, OnEventAsync, cancellationToken), ResyncAsync(cancellationToken) };
        tasks.AddRange(Enumerable.Range(0, options.Workers).Select(_ => WorkAsync(cancellationToken)));
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (subscription is not null)
            {
                try
                {
                    await subscription.UnsubscribeAsync();
                }
                catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
                {
                    // The subscription dies with the term anyway.
                }
            }
        }
    }

    private async Task OnListAsync(IReadOnlyList<JsonObject> items)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var key = Key(item);
            keys.Add(key);
            _cache[key] = item;
            _queue.Add(key);
        }
        foreach (var gone in _cache.Keys.Where(k => !keys.Contains(k)).ToList())
        {
            _cache.TryRemove(gone, out _);
            _tracks.TryRemove(gone, out _);
            _queue.Add(gone);
        }
        _listed = true;
        await EnqueueVmsWithoutCrAsync();
    }

    /// <summary>Queues every VM the index knows that has no CR, so that VMs made through the API while no silo synced get one.</summary>
    private async Task EnqueueVmsWithoutCrAsync()
    {
        try
        {
            var index = cluster.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex);
            var query = new VmListQuery { Namespace = options.Namespace, Limit = 500 };
            for (var pages = 0; pages < 10_000; pages++)
            {
                var page = await index.ListAsync(query);
                foreach (var id in page.Items.Where(id => !_cache.ContainsKey(id.Key)))
                {
                    _queue.Add(id.Key);
                }
                if (string.IsNullOrEmpty(page.Continue))
                {
                    return;
                }
                query = query with { Continue = page.Continue };
            }
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            KubernetesSyncLog.IndexFailed(logger, e, options.ResyncPeriod);
        }
    }

    private Task OnEventAsync(WatchEventType type, JsonObject obj)
    {
        var key = Key(obj);
        if (type == WatchEventType.Deleted)
        {
            _cache.TryRemove(key, out _);
            _tracks.TryRemove(key, out _);
            _queue.Add(key);
            return Task.CompletedTask;
        }
        var previous = _cache.TryGetValue(key, out var p) ? p : null;
        _cache[key] = obj;
        // Status writes (ours) do not trigger a reconcile: only changes outside status do.
        if (previous is null || !JsonNode.DeepEquals(WithoutStatus(previous), WithoutStatus(obj)))
        {
            _queue.Add(key);
        }
        return Task.CompletedTask;
    }

    private void OnVmEvent(VmEvent e)
    {
        if (string.IsNullOrEmpty(options.Namespace) || e.Vm.Namespace == options.Namespace)
        {
            _queue.Add(e.Vm.Id.Key);
        }
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.ResyncPeriod, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            foreach (var key in _cache.Keys)
            {
                _queue.Add(key);
            }
            await EnqueueVmsWithoutCrAsync();
        }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var key = await _queue.TakeAsync(cancellationToken);
            try
            {
                var requeueAfter = await ReconcileAsync(key, cancellationToken);
                _attempts.TryRemove(key, out _);
                if (requeueAfter is { } delay)
                {
                    _queue.AddAfter(key, delay, cancellationToken);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // Any failure of one VM is retried with backoff; it never stops the worker or other VMs.
                var attempt = _attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
                var delay = TimeSpan.FromMilliseconds(Math.Min(options.BackoffCap.TotalMilliseconds, options.BackoffBase.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20))));
                var id = VmId.Parse(key);
                KubernetesSyncLog.ReconcileFailed(logger, e, id.Namespace, id.Name, attempt, delay);
                _queue.AddAfter(key, delay, cancellationToken);
            }
            finally
            {
                _queue.Done(key);
            }
        }
    }

    /// <summary>Brings one CR and its grain together; returns when to look again, or null.</summary>
    private async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var id = VmId.Parse(key);
        var grain = cluster.GetGrain<IVirtualMachineGrain>(key);
        if (!_cache.TryGetValue(key, out var cr))
        {
            return _listed ? await MirrorAsync(id, grain, cancellationToken) : null;
        }
        var metadata = cr["metadata"]!.AsObject();
        var uid = (string?)metadata["uid"] ?? "";
        var track = _tracks.AddOrUpdate(key, _ => new VmTrack { Uid = uid }, (_, t) => t.Uid == uid ? t : new VmTrack { Uid = uid });
        var finalizers = (metadata["finalizers"] as JsonArray)?.Select(f => (string?)f).OfType<string>().ToList() ?? [];

        if (metadata["deletionTimestamp"] is not null)
        {
            return finalizers.Contains(VirtualMachineResource.Finalizer)
                ? await FinalizeAsync(id, grain, cr, finalizers, track, cancellationToken)
                : null;
        }
        if (!finalizers.Contains(VirtualMachineResource.Finalizer))
        {
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["finalizers"] = new JsonArray([.. finalizers.Append(VirtualMachineResource.Finalizer).Select(f => (JsonNode?)f)]),
                    ["resourceVersion"] = (string?)metadata["resourceVersion"],
                },
            };
            cr = await WriteAsync(() => kubernetes.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), VirtualMachineResource.Group, VirtualMachineResource.Version,
                id.Namespace, VirtualMachineResource.Plural, id.Name, fieldManager: VirtualMachineResource.FieldManager, cancellationToken: cancellationToken), cancellationToken);
            if (cr is null)
            {
                return null;
            }
            _cache[key] = cr;
            metadata = cr["metadata"]!.AsObject();
        }

        var generation = (long?)metadata["generation"] ?? 1;
        var currentStatus = cr["status"] as JsonObject;
        var (spec, problems) = CrSpecConverter.Convert(cr, limits);
        VmSnapshot? vm = null;
        if (spec is null)
        {
            if (track.LoggedInvalidGeneration != generation)
            {
                track.LoggedInvalidGeneration = generation;
                KubernetesSyncLog.InvalidSpec(logger, id.Namespace, id.Name, string.Join("; ", problems.Select(p => $"{p.Field}: {p.Description}")));
            }
            var existing = await grain.GetAsync();
            vm = existing.IsOk ? existing.Vm : null;
            await WriteStatusAsync(id, cr, CrStatus.Build(vm, generation, ObservedGeneration(track, vm, currentStatus), problems, currentStatus, time.GetUtcNow()), cancellationToken);
            return null;
        }

        if (track.AppliedCrGeneration != generation)
        {
            var result = await grain.ApplyAsync(spec, null);
            if (result.Code == VmResultCode.Invalid)
            {
                var existing = await grain.GetAsync();
                vm = existing.IsOk ? existing.Vm : null;
                await WriteStatusAsync(id, cr, CrStatus.Build(vm, generation, ObservedGeneration(track, vm, currentStatus), [.. result.Violations.Select(v => CrFieldPaths.ToCr(v, cr))], currentStatus, time.GetUtcNow()), cancellationToken);
                return null;
            }
            if (!result.IsOk || result.Vm is null)
            {
                throw new InvalidOperationException($"the grain refused the spec of CR generation {generation}: {result.Code} {result.Message}");
            }
            vm = result.Vm;
            track.Applied(generation, vm.Generation);
            KubernetesSyncLog.Applied(logger, id.Namespace, id.Name, generation, vm.Generation);
        }
        else
        {
            var current = await grain.GetAsync();
            if (current.Code == VmResultCode.NotFound)
            {
                // The VM was deleted through the API after this CR was applied: the CR goes too.
                await DeleteCrAsync(id, cancellationToken);
                return null;
            }
            vm = current.Vm;
            if (vm is not null && vm.Generation > track.GrainGeneration && vm.DeletionRequestedAt is null)
            {
                // Changed through the API: the CR follows, so that kubectl shows what runs.
                return await MirrorSpecAsync(id, cr, spec, vm, track, cancellationToken);
            }
            if (vm is not null && !SameLabels(spec.Labels, vm.Spec.Labels))
            {
                // Labels are metadata: changing them bumps neither generation, so compare them directly.
                var relabelled = await grain.ApplyAsync(spec, null);
                KubernetesSyncLog.Relabelled(logger, id.Namespace, id.Name, relabelled.Code.ToString(), relabelled.Message);
                vm = relabelled.Vm ?? vm;
            }
        }
        await WriteStatusAsync(id, cr, CrStatus.Build(vm, generation, ObservedGeneration(track, vm, currentStatus), null, currentStatus, time.GetUtcNow()), cancellationToken);
        return null;
    }

    private async Task<TimeSpan?> FinalizeAsync(VmId id, IVirtualMachineGrain grain, JsonObject cr, List<string> finalizers, VmTrack track, CancellationToken cancellationToken)
    {
        if (!track.DeletionLogged)
        {
            track.DeletionLogged = true;
            KubernetesSyncLog.Deleting(logger, id.Namespace, id.Name);
        }
        var current = await grain.GetAsync();
        if (current.Code != VmResultCode.NotFound)
        {
            if (current.Vm?.DeletionRequestedAt is null)
            {
                await grain.DeleteAsync();
                current = await grain.GetAsync();
            }
        }
        if (current.Code != VmResultCode.NotFound)
        {
            var status = cr["status"] as JsonObject;
            var generation = (long?)cr["metadata"]!["generation"] ?? 1;
            await WriteStatusAsync(id, cr, CrStatus.Build(current.Vm, generation, ObservedGeneration(track, current.Vm, status), null, status, time.GetUtcNow()), cancellationToken);
            // VM events bring the removal quickly; this only bounds the wait if one is lost.
            return TimeSpan.FromSeconds(1);
        }
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["finalizers"] = new JsonArray([.. finalizers.Where(f => f != VirtualMachineResource.Finalizer).Select(f => (JsonNode?)f)]),
                ["resourceVersion"] = (string?)cr["metadata"]!["resourceVersion"],
            },
        };
        await WriteAsync(() => kubernetes.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), VirtualMachineResource.Group, VirtualMachineResource.Version,
            id.Namespace, VirtualMachineResource.Plural, id.Name, fieldManager: VirtualMachineResource.FieldManager, cancellationToken: cancellationToken), cancellationToken);
        KubernetesSyncLog.FinalizerRemoved(logger, id.Namespace, id.Name);
        return null;
    }

    /// <summary>A VM with no CR: made through the API, so a CR is created for it.</summary>
    private async Task<TimeSpan?> MirrorAsync(VmId id, IVirtualMachineGrain grain, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(options.Namespace) && id.Namespace != options.Namespace)
        {
            return null;
        }
        var current = await grain.GetAsync();
        if (!current.IsOk || current.Vm is not { DeletionRequestedAt: null } vm)
        {
            return null;
        }
        var created = await WriteAsync(() => kubernetes.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(
            CrSpecWriter.ToCr(id, vm.Spec), VirtualMachineResource.Group, VirtualMachineResource.Version, id.Namespace, VirtualMachineResource.Plural,
            fieldManager: VirtualMachineResource.FieldManager, cancellationToken: cancellationToken), cancellationToken);
        if (created is not null)
        {
            KubernetesSyncLog.Mirrored(logger, id.Namespace, id.Name);
        }
        return null;
    }

    /// <summary>Writes a spec changed through the API into the CR (unless the CR already says the same).</summary>
    private async Task<TimeSpan?> MirrorSpecAsync(VmId id, JsonObject cr, VmSpec crSpec, VmSnapshot vm, VmTrack track, CancellationToken cancellationToken)
    {
        var generation = (long?)cr["metadata"]!["generation"] ?? 1;
        if (crSpec.SameMachineAs(vm.Spec) && SameLabels(crSpec.Labels, vm.Spec.Labels))
        {
            track.Applied(generation, vm.Generation);
            return TimeSpan.Zero;
        }
        var labels = new JsonObject();
        foreach (var (k, v) in vm.Spec.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            labels[k] = v;
        }
        var patch = new JsonArray(
            // A resourceVersion in the patched object is a precondition: a concurrent edit makes this a 409.
            new JsonObject { ["op"] = "replace", ["path"] = "/metadata/resourceVersion", ["value"] = (string?)cr["metadata"]!["resourceVersion"] },
            new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels", ["value"] = labels },
            new JsonObject { ["op"] = "replace", ["path"] = "/spec", ["value"] = CrSpecWriter.ToSpec(vm.Spec) });
        var updated = await WriteAsync(() => kubernetes.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.JsonPatch), VirtualMachineResource.Group, VirtualMachineResource.Version,
            id.Namespace, VirtualMachineResource.Plural, id.Name, fieldManager: VirtualMachineResource.FieldManager, cancellationToken: cancellationToken), cancellationToken);
        if (updated is not null)
        {
            track.Applied((long?)updated["metadata"]!["generation"] ?? generation, vm.Generation);
            _cache[id.Key] = updated;
        }
        return TimeSpan.Zero;
    }

    private async Task DeleteCrAsync(VmId id, CancellationToken cancellationToken) =>
        await WriteAsync(() => kubernetes.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>(
            VirtualMachineResource.Group, VirtualMachineResource.Version, id.Namespace, VirtualMachineResource.Plural, id.Name,
            cancellationToken: cancellationToken), cancellationToken);

    private async Task WriteStatusAsync(VmId id, JsonObject cr, JsonObject status, CancellationToken cancellationToken)
    {
        if (CrStatus.Patch(cr["status"] as JsonObject, status) is not { } patch)
        {
            return;
        }
        var updated = await WriteAsync(() => kubernetes.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), VirtualMachineResource.Group, VirtualMachineResource.Version,
            id.Namespace, VirtualMachineResource.Plural, id.Name, fieldManager: VirtualMachineResource.FieldManager, cancellationToken: cancellationToken), cancellationToken);
        if (updated is not null && _cache.TryGetValue(id.Key, out var cached)
            && long.TryParse((string?)cached["metadata"]?["resourceVersion"], out var cachedVersion)
            && long.TryParse((string?)updated["metadata"]?["resourceVersion"], out var updatedVersion)
            && updatedVersion > cachedVersion)
        {
            // Remember what was written so that an unchanged status is not written again before the watch catches up.
            _cache.TryUpdate(id.Key, updated, cached);
        }
    }

    /// <summary>
    /// Runs one API write, retrying 429 and 5xx with capped exponential backoff. Returns null when the object is gone
    /// (404) or another writer got there first (409, the next event brings the new state).
    /// </summary>
    private async Task<JsonObject?> WriteAsync(Func<Task<JsonObject>> write, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(options.BackoffBase, options.BackoffCap);
        while (true)
        {
            try
            {
                return await write();
            }
            catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
            {
                return null;
            }
            catch (HttpOperationException e) when (IsRetryable(e.Response.StatusCode) && backoff.Failures < 8)
            {
                await Task.Delay(RetryAfter(e) ?? backoff.Next(), time, cancellationToken);
            }
        }
    }

    private static bool IsRetryable(HttpStatusCode code) =>
        code is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private TimeSpan? RetryAfter(HttpOperationException e)
    {
        // Honour a short Retry-After, bounded by the backoff cap.
        if (e.Response.Headers.TryGetValue("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(Math.Min(seconds, options.BackoffCap.TotalSeconds));
        }
        return null;
    }

    private static long? ObservedGeneration(VmTrack track, VmSnapshot? vm, JsonObject? currentStatus) =>
        (vm is null ? null : track.ObservedCrGeneration(vm.Status.ObservedGeneration)) ?? (long?)currentStatus?["observedGeneration"];

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static string Key(JsonObject obj) =>
        new VmId((string?)obj["metadata"]?["namespace"] ?? OrvirtNames.DefaultNamespace, (string?)obj["metadata"]?["name"] ?? "").Key;

    private static JsonObject WithoutStatus(JsonObject obj)
    {
        var copy = obj.DeepClone().AsObject();
        copy.Remove("status");
        if (copy["metadata"] is JsonObject metadata)
        {
            metadata.Remove("resourceVersion");
            metadata.Remove("managedFields");
        }
        return copy;
    }
}
