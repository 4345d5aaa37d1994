using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orvirt.KubeApiServer;

/// <summary>
/// The registry and its storage: every object, one global resourceVersion, the event history that watches
/// resume from, and the write semantics of the real API server (generation, status subresource,
/// optimistic concurrency, finalizers). All writes are serialised by one lock so that resourceVersions
/// and watch events are in one total order.
/// </summary>
internal sealed partial class ObjectStore(TimeProvider time, int historyLimit)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(ResourceType Type, string Namespace, string Name), JsonObject> _objects = [];
    private readonly List<StoredEvent> _history = [];
    private readonly List<Watcher> _watchers = [];
    private long _resourceVersion = 1000;
    private long _compactedThrough = 1000;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Subdomain();

    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    public int WatchCount
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    public IReadOnlyList<string> Namespaces()
    {
        lock (_gate)
        {
            return _objects.Keys.Select(k => k.Namespace).Append("default").Distinct().Order(StringComparer.Ordinal).ToList();
        }
    }

    public JsonObject Get(ResourceType type, string ns, string name)
    {
        lock (_gate)
        {
            return Current(type, ns, name).DeepClone().AsObject();
        }
    }

    public (List<JsonObject> Items, long ResourceVersion) List(ResourceType type, string? ns)
    {
        lock (_gate)
        {
            var items = _objects
                .Where(kv => kv.Key.Type == type && (ns is null || kv.Key.Namespace == ns))
                .OrderBy(kv => kv.Key.Namespace, StringComparer.Ordinal)
                .ThenBy(kv => kv.Key.Name, StringComparer.Ordinal)
                .Select(kv => kv.Value.DeepClone().AsObject())
                .ToList();
            return (items, _resourceVersion);
        }
    }

    public JsonObject Create(ResourceType type, string ns, JsonObject body)
    {
        var metadata = body["metadata"] as JsonObject ?? new JsonObject();
        body["metadata"] = metadata;
        var name = (string?)metadata["name"];
        if (string.IsNullOrEmpty(name) && (string?)metadata["generateName"] is { Length: > 0 } prefix)
        {
            name = prefix + Guid.NewGuid().ToString("N")[..5];
            metadata["name"] = name;
        }
        if (string.IsNullOrEmpty(name))
        {
            throw ApiException.Invalid(type, "", [new("metadata.name", "FieldValueRequired", "Required value: name or generateName is required")]);
        }
        if ((string?)metadata["namespace"] is { Length: > 0 } bodyNs && bodyNs != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
        {
            throw ApiException.Invalid(type, name, [new("metadata.name", "FieldValueInvalid",
                $"Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")]);
        }
        body["apiVersion"] = type.GroupVersion;
        body["kind"] = type.Kind;
        metadata["namespace"] = ns;
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = Now();
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        metadata.Remove("resourceVersion");
        metadata.Remove("generateName");
        if (type.IsCustom)
        {
            metadata["generation"] = 1L;
        }
        if (type.HasStatusSubresource)
        {
            body.Remove("status");
        }
        Validate(type, name, body);
        lock (_gate)
        {
            if (_objects.ContainsKey((type, ns, name)))
            {
                throw ApiException.AlreadyExists(type, name);
            }
            Commit(type, ns, name, "ADDED", body, previous: null);
            return body.DeepClone().AsObject();
        }
    }

    /// <summary>PUT on the object (<paramref name="statusOnly"/> false) or on its status subresource.</summary>
    public JsonObject Replace(ResourceType type, string ns, string name, JsonObject body, bool statusOnly)
    {
        lock (_gate)
        {
            var current = Current(type, ns, name);
            if (body["metadata"]?["resourceVersion"] is null && type.IsCustom)
            {
                throw ApiException.Invalid(type, name, [new("metadata.resourceVersion", "FieldValueInvalid", "Invalid value: 0x0: must be specified for an update")]);
            }
            return Update(type, ns, name, current, body, statusOnly);
        }
    }

    /// <summary>PATCH: <paramref name="patch"/> turns the current object into the proposed one; a resourceVersion in the patch is a precondition.</summary>
    public JsonObject Patch(ResourceType type, string ns, string name, Func<JsonObject, JsonObject> patch, bool statusOnly)
    {
        lock (_gate)
        {
            var current = Current(type, ns, name);
            var proposed = patch(current.DeepClone().AsObject());
            return Update(type, ns, name, current, proposed, statusOnly);
        }
    }

    public JsonObject Delete(ResourceType type, string ns, string name, string? preconditionResourceVersion)
    {
        lock (_gate)
        {
            var current = Current(type, ns, name);
            if (preconditionResourceVersion is not null && preconditionResourceVersion != (string?)current["metadata"]!["resourceVersion"])
            {
                throw ApiException.Conflict(type, name);
            }
            var metadata = current["metadata"]!.AsObject();
            if (metadata["deletionTimestamp"] is not null)
            {
                return current.DeepClone().AsObject();
            }
            var next = current.DeepClone().AsObject();
            if (metadata["finalizers"] is JsonArray { Count: > 0 })
            {
                next["metadata"]!["deletionTimestamp"] = Now();
                next["metadata"]!["deletionGracePeriodSeconds"] = 0;
                Commit(type, ns, name, "MODIFIED", next, current);
                return next.DeepClone().AsObject();
            }
            Commit(type, ns, name, "DELETED", next, current);
            return next.DeepClone().AsObject();
        }
    }

    /// <summary>Registers a watch. The initial events are the history after <paramref name="since"/>, or synthetic ADDED events for every object when it is null.</summary>
    public (Watcher Watcher, List<StoredEvent> Initial) Watch(ResourceType type, string? ns, long? since)
    {
        lock (_gate)
        {
            List<StoredEvent> initial;
            if (since is null)
            {
                initial = _objects
                    .Where(kv => kv.Key.Type == type && (ns is null || kv.Key.Namespace == ns))
                    .Select(kv => new StoredEvent(long.Parse((string)kv.Value["metadata"]!["resourceVersion"]!, CultureInfo.InvariantCulture), type, kv.Key.Namespace, "ADDED", kv.Value.DeepClone().AsObject(), null))
                    .OrderBy(e => e.ResourceVersion)
                    .ToList();
            }
            else
            {
                if (since < _compactedThrough)
                {
                    throw new ApiException(410, "Expired", $"too old resource version: {since} ({_compactedThrough})");
                }
                initial = _history.Where(e => e.ResourceVersion > since && e.Type == type && (ns is null || e.Namespace == ns)).ToList();
            }
            var watcher = new Watcher(type, ns);
            _watchers.Add(watcher);
            return (watcher, initial);
        }
    }

    /// <summary>The resourceVersion a bookmark may carry: the current one when the watcher has been sent every event up to it, else null.</summary>
    public long? BookmarkVersion(Watcher watcher)
    {
        lock (_gate)
        {
            return watcher.Events.Reader.Count == 0 ? _resourceVersion : null;
        }
    }

    public void EndWatch(Watcher watcher)
    {
        lock (_gate)
        {
            _watchers.Remove(watcher);
        }
    }

    /// <summary>Forgets all history: a watch from any resourceVersion older than now gets 410 Expired.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedThrough = _resourceVersion;
        }
    }

    public int DropAllWatches(bool abort)
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Drop(abort);
            }
            return _watchers.Count;
        }
    }

    private JsonObject Update(ResourceType type, string ns, string name, JsonObject current, JsonObject proposed, bool statusOnly)
    {
        var proposedMeta = proposed["metadata"] as JsonObject ?? new JsonObject();
        var currentMeta = current["metadata"]!.AsObject();
        if ((string?)proposedMeta["name"] is { } bodyName && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }
        if ((string?)proposedMeta["namespace"] is { Length: > 0 } bodyNs && bodyNs != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        if ((string?)proposedMeta["resourceVersion"] is { } expected && expected != (string?)currentMeta["resourceVersion"])
        {
            throw ApiException.Conflict(type, name);
        }

        JsonObject next;
        if (statusOnly)
        {
            // The status subresource changes status and nothing else.
            next = current.DeepClone().AsObject();
            SetOrRemove(next, "status", proposed["status"]);
        }
        else
        {
            next = proposed.DeepClone().AsObject();
            if (type.HasStatusSubresource)
            {
                // The main resource ignores status when a status subresource exists.
                SetOrRemove(next, "status", current["status"]);
            }
            var meta = next["metadata"] as JsonObject ?? new JsonObject();
            next["metadata"] = meta;
            foreach (var field in new[] { "uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion" })
            {
                SetOrRemove(meta, field, currentMeta[field]);
            }
            meta["name"] = name;
            meta["namespace"] = ns;
            meta.Remove("generateName");
            if (currentMeta["deletionTimestamp"] is not null)
            {
                var before = Finalizers(currentMeta);
                var added = Finalizers(meta).Where(f => !before.Contains(f)).ToList();
                if (added.Count > 0)
                {
                    throw ApiException.Invalid(type, name, [new("metadata.finalizers", "FieldValueForbidden", $"Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers [{string.Join(" ", added)}]")]);
                }
            }
        }
        next["apiVersion"] = type.GroupVersion;
        next["kind"] = type.Kind;
        Validate(type, name, next);

        if (type.IsCustom && !statusOnly && !JsonNode.DeepEquals(WithoutMetaAndStatus(current), WithoutMetaAndStatus(next)))
        {
            next["metadata"]!["generation"] = ((long?)currentMeta["generation"] ?? 0) + 1;
        }
        if (JsonNode.DeepEquals(current, next))
        {
            // A write that changes nothing keeps the resourceVersion and sends no event, as the real server does.
            return current.DeepClone().AsObject();
        }
        var nextMeta = next["metadata"]!.AsObject();
        if (nextMeta["deletionTimestamp"] is not null && Finalizers(nextMeta).Count == 0)
        {
            Commit(type, ns, name, "DELETED", next, current);
        }
        else
        {
            Commit(type, ns, name, "MODIFIED", next, current);
        }
        return next.DeepClone().AsObject();
    }

    private void Commit(ResourceType type, string ns, string name, string eventType, JsonObject obj, JsonObject? previous)
    {
        _resourceVersion++;
        obj["metadata"]!["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture);
        // Stored as parsed JSON, like etcd holds bytes: every value reads back the same way whatever built it.
        obj = JsonNode.Parse(obj.ToJsonString())!.AsObject();
        if (eventType == "DELETED")
        {
            _objects.Remove((type, ns, name));
        }
        else
        {
            _objects[(type, ns, name)] = obj;
        }
        var e = new StoredEvent(_resourceVersion, type, ns, eventType, obj.DeepClone().AsObject(), previous?.DeepClone().AsObject());
        _history.Add(e);
        if (_history.Count > historyLimit)
        {
            // Like etcd's compaction window: the oldest revisions are no longer watchable.
            var drop = _history.Count - historyLimit;
            _compactedThrough = _history[drop - 1].ResourceVersion;
            _history.RemoveRange(0, drop);
        }
        foreach (var watcher in _watchers)
        {
            if (watcher.Wants(e))
            {
                watcher.Events.Writer.TryWrite(e);
            }
        }
    }

    private JsonObject Current(ResourceType type, string ns, string name) =>
        _objects.TryGetValue((type, ns, name), out var current) ? current : throw ApiException.NotFound(type, name);

    private static void Validate(ResourceType type, string name, JsonObject obj)
    {
        if (type.Schema is { } schema && schema.Apply(obj) is { Count: > 0 } errors)
        {
            throw ApiException.Invalid(type, name, errors);
        }
    }

    private static List<string> Finalizers(JsonObject metadata) =>
        (metadata["finalizers"] as JsonArray)?.Select(f => (string?)f).OfType<string>().ToList() ?? [];

    private static JsonObject WithoutMetaAndStatus(JsonObject obj)
    {
        var copy = obj.DeepClone().AsObject();
        copy.Remove("metadata");
        copy.Remove("status");
        return copy;
    }

    private static void SetOrRemove(JsonObject obj, string key, JsonNode? value)
    {
        if (value is null)
        {
            obj.Remove(key);
        }
        else
        {
            obj[key] = value.DeepClone();
        }
    }

    private string Now() => time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
