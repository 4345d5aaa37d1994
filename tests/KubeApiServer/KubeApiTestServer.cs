using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orvirt.Interfaces;

namespace Orvirt.KubeApiServer;

/// <summary>
/// An in-process Kubernetes API server for tests, on 127.0.0.1 and a free port. It serves the shipped
/// VirtualMachine CRD and coordination.k8s.io/v1 Leases with the real server's semantics for what Orvirt
/// uses (see the README in this folder), well enough for KubernetesClient and <c>kubectl --server</c>.
/// </summary>
public sealed class KubeApiTestServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions CompactJson = new() { WriteIndented = false };
    private readonly WebApplication _app;
    private readonly ObjectStore _store;
    private readonly List<ResourceType> _types;
    private readonly KubeApiServerOptions _options;
    private readonly CancellationTokenSource _stopping = new();

    private KubeApiTestServer(WebApplication app, ObjectStore store, List<ResourceType> types, KubeApiServerOptions options)
    {
        _app = app;
        _store = store;
        _types = types;
        _options = options;
        VirtualMachines = types[0];
    }

    /// <summary>The server's base address, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public string Url { get; private set; } = "";

    /// <summary>Fault injection and request counts.</summary>
    public KubeApiFaults Faults { get; } = new();

    /// <summary>The VirtualMachine resource as loaded from the CRD.</summary>
    public ResourceType VirtualMachines { get; }

    /// <summary>The current global resourceVersion.</summary>
    public long ResourceVersion => _store.ResourceVersion;

    /// <summary>How many watches are open.</summary>
    public int WatchCount => _store.WatchCount;

    /// <summary>Forgets the event history: watches resuming from an older resourceVersion get 410 Expired.</summary>
    public void Compact() => _store.Compact();

    /// <summary>Ends every open watch; with <paramref name="abortConnections"/> the connections are reset instead of ended cleanly. Returns how many were open.</summary>
    public int DropAllWatches(bool abortConnections = false) => _store.DropAllWatches(abortConnections);

    /// <summary>Finds a file of this repository (e.g. <c>manifests/crd-virtualmachines.yaml</c>) by walking up from the test's output folder.</summary>
    public static string FindRepoFile(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relativePath);
            if (File.Exists(candidate) || Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"{relativePath} was not found above {AppContext.BaseDirectory}; run the tests from inside the repository");
    }

    /// <summary>Starts a server on 127.0.0.1 and a free port.</summary>
    public static async Task<KubeApiTestServer> StartAsync(KubeApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KubeApiServerOptions();
        var crdPath = options.CrdPath ?? FindRepoFile("manifests/crd-virtualmachines.yaml");
        var crd = YamlJson.ReadSingle(await File.ReadAllTextAsync(crdPath, cancellationToken));
        var types = new List<ResourceType> { ResourceType.FromCrd(crd), ResourceType.Leases };

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new KubeApiTestServer(app, new ObjectStore(options.TimeProvider, options.HistoryLimit), types, options);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = address.TrimEnd('/');
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        using (var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(stopTimeout.Token);
        }
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var fault = Faults.Record(new RecordedRequest(request.Method, path, request.QueryString.Value ?? ""));
        try
        {
            if (fault is not null)
            {
                throw fault;
            }
            await RouteAsync(context, path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries));
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            if (e.Code == 429)
            {
                context.Response.Headers.RetryAfter = "1";
            }
            await WriteAsync(context, e.Code, e.ToStatus());
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            // A bug in this test server: say what it was instead of an empty 500.
            await WriteAsync(context, 500, ApiException.Status(500, "InternalError", $"test API server failure: {e}"));
        }
    }

    private async Task RouteAsync(HttpContext context, string[] s)
    {
        var method = context.Request.Method;
        switch (s)
        {
            case ["version"]:
                await WriteAsync(context, 200, Discovery.Version());
                return;
            case ["api"]:
                await WriteAsync(context, 200, Discovery.CoreVersions(Url.Replace("http://", "", StringComparison.Ordinal)));
                return;
            case ["api", "v1"]:
                await WriteAsync(context, 200, Discovery.CoreResources());
                return;
            case ["api", "v1", "namespaces"] when method == "GET":
                await WriteAsync(context, 200, NamespaceList());
                return;
            case ["api", "v1", "namespaces", var nsName] when method == "GET":
                await WriteAsync(context, 200, Namespace(nsName));
                return;
            case ["apis"]:
                await WriteAsync(context, 200, Discovery.Groups(_types));
                return;
            case ["apis", var g] when _types.Any(t => t.Group == g):
                await WriteAsync(context, 200, Discovery.Group(g, _types.Where(t => t.Group == g)));
                return;
            case ["apis", var g, var v] when _types.Any(t => t.Group == g && t.Version == v):
                await WriteAsync(context, 200, Discovery.Resources($"{g}/{v}", _types.Where(t => t.Group == g && t.Version == v)));
                return;
            case ["apis", var g, var v, var plural] when method == "GET" && Find(g, v, plural) is { } type:
                await CollectionGetAsync(context, type, ns: null);
                return;
            case ["apis", var g, var v, "namespaces", var ns, var plural] when Find(g, v, plural) is { } type:
                await CollectionAsync(context, type, ns);
                return;
            case ["apis", var g, var v, "namespaces", var ns, var plural, var name] when Find(g, v, plural) is { } type:
                await ItemAsync(context, type, ns, name, statusOnly: false);
                return;
            case ["apis", var g, var v, "namespaces", var ns, var plural, var name, "status"] when Find(g, v, plural) is { HasStatusSubresource: true } type:
                await ItemAsync(context, type, ns, name, statusOnly: true);
                return;
            default:
                throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }
    }

    private ResourceType? Find(string group, string version, string plural) =>
        _types.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);

    private async Task CollectionAsync(HttpContext context, ResourceType type, string ns)
    {
        switch (context.Request.Method)
        {
            case "GET":
                await CollectionGetAsync(context, type, ns);
                return;
            case "POST":
                var created = _store.Create(type, ns, await ReadObjectAsync(context));
                await WriteAsync(context, 201, created);
                return;
            default:
                throw new ApiException(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource");
        }
    }

    private async Task CollectionGetAsync(HttpContext context, ResourceType type, string? ns)
    {
        var query = context.Request.Query;
        if (!LabelSelector.TryParse(query["labelSelector"], out var selector, out var selectorError))
        {
            throw ApiException.BadRequest($"unable to parse requirement: {selectorError}");
        }
        if (query["watch"] is ["1" or "true"])
        {
            await WatchAsync(context, type, ns, selector);
            return;
        }
        var (items, resourceVersion) = _store.List(type, ns);
        items = items.Where(i => selector.Matches(Labels(i))).ToList();
        if (TableConverter.Wants(context.Request.Headers.Accept))
        {
            await WriteAsync(context, 200, TableConverter.Convert(type, items, resourceVersion, _options.TimeProvider.GetUtcNow()));
            return;
        }
        var list = new JsonObject
        {
            ["kind"] = type.Kind + "List",
            ["apiVersion"] = type.GroupVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = new JsonArray([.. items]),
        };
        await WriteAsync(context, 200, list);
    }

    private async Task ItemAsync(HttpContext context, ResourceType type, string ns, string name, bool statusOnly)
    {
        switch (context.Request.Method)
        {
            case "GET":
                var item = _store.Get(type, ns, name);
                if (TableConverter.Wants(context.Request.Headers.Accept))
                {
                    await WriteAsync(context, 200, TableConverter.Convert(type, [item], _store.ResourceVersion, _options.TimeProvider.GetUtcNow()));
                    return;
                }
                await WriteAsync(context, 200, item);
                return;
            case "PUT":
                await WriteAsync(context, 200, _store.Replace(type, ns, name, await ReadObjectAsync(context), statusOnly));
                return;
            case "PATCH":
                var patch = await PatchFunctionAsync(context, type);
                await WriteAsync(context, 200, _store.Patch(type, ns, name, patch, statusOnly));
                return;
            case "DELETE" when !statusOnly:
                string? precondition = null;
                if (await ReadBodyAsync(context) is { } body && JsonNode.Parse(body) is JsonObject options)
                {
                    precondition = (string?)options["preconditions"]?["resourceVersion"];
                }
                var deleted = _store.Delete(type, ns, name, precondition);
                if (type.IsCustom)
                {
                    await WriteAsync(context, 200, deleted);
                    return;
                }
                await WriteAsync(context, 200, new JsonObject
                {
                    ["kind"] = "Status",
                    ["apiVersion"] = "v1",
                    ["metadata"] = new JsonObject(),
                    ["status"] = "Success",
                    ["details"] = new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural, ["uid"] = (string?)deleted["metadata"]?["uid"] },
                });
                return;
            default:
                throw new ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        }
    }

    private static async Task<Func<JsonObject, JsonObject>> PatchFunctionAsync(HttpContext context, ResourceType type)
    {
        var contentType = (context.Request.ContentType ?? "").Split(';')[0].Trim();
        if (contentType == "application/strategic-merge-patch+json" && !type.IsCustom)
        {
            // Leases have no patch strategies on the fields we use: a strategic merge is a merge patch for them.
            contentType = "application/merge-patch+json";
        }
        if (contentType is not ("application/merge-patch+json" or "application/json-patch+json"))
        {
            throw new ApiException(415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }
        var text = await ReadBodyAsync(context) ?? throw ApiException.BadRequest("the patch body is empty");
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the patch is not valid JSON: {e.Message}");
        }
        if (contentType == "application/json-patch+json")
        {
            var operations = patch as JsonArray ?? throw ApiException.BadRequest("a JSON patch must be an array of operations");
            return current => Patches.Json(current, operations).AsObject();
        }
        var mergePatch = patch as JsonObject ?? throw ApiException.BadRequest("a merge patch must be a JSON object");
        return current => Patches.Merge(current, mergePatch)!.AsObject();
    }

    private async Task WatchAsync(HttpContext context, ResourceType type, string? ns, LabelSelector selector)
    {
        var query = context.Request.Query;
        long? since = null;
        if (query["resourceVersion"] is [{ Length: > 0 } rv] && rv != "0")
        {
            since = long.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ApiException.BadRequest($"invalid resourceVersion \"{rv}\": it must be a number the server returned");
        }
        var bookmarks = query["allowWatchBookmarks"] is ["true" or "1"];
        TimeSpan? timeout = query["timeoutSeconds"] is [{ } t] && int.TryParse(t, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        Watcher watcher;
        List<StoredEvent> initial;
        try
        {
            (watcher, initial) = _store.Watch(type, ns, since);
        }
        catch (ApiException e) when (e.Code == 410)
        {
            // The real server answers 200 and sends the expiry as an ERROR event.
            await response.StartAsync();
            await WriteLineAsync(response, new JsonObject { ["type"] = "ERROR", ["object"] = e.ToStatus() }, context.RequestAborted);
            return;
        }

        using var timeoutSource = new CancellationTokenSource();
        if (timeout is { } limit)
        {
            timeoutSource.CancelAfter(limit);
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, watcher.Dropped, timeoutSource.Token, _stopping.Token);
        try
        {
            await response.StartAsync(linked.Token);
            await response.Body.FlushAsync(linked.Token);
            foreach (var e in initial)
            {
                await WriteEventAsync(response, e, selector, linked.Token);
            }
            while (!linked.IsCancellationRequested)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(linked.Token);
                if (bookmarks)
                {
                    tick.CancelAfter(_options.BookmarkInterval);
                }
                StoredEvent next;
                try
                {
                    next = await watcher.Events.Reader.ReadAsync(tick.Token);
                }
                catch (OperationCanceledException) when (!linked.IsCancellationRequested)
                {
                    if (_store.BookmarkVersion(watcher) is { } bookmarkVersion)
                    {
                        await WriteLineAsync(response, Bookmark(type, bookmarkVersion), linked.Token);
                    }
                    continue;
                }
                await WriteEventAsync(response, next, selector, linked.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout, a dropped watch, the client going away or the server stopping: the watch ends.
        }
        catch (IOException)
        {
            // The client closed the connection.
        }
        finally
        {
            _store.EndWatch(watcher);
            if (watcher.Abort)
            {
                context.Abort();
            }
            watcher.Dispose();
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, StoredEvent e, LabelSelector selector, CancellationToken cancellationToken)
    {
        var matchesNow = selector.Matches(Labels(e.Object));
        var matchedBefore = e.Previous is not null && selector.Matches(Labels(e.Previous));
        var type = e.EventType switch
        {
            // With a selector, an object moving into or out of the selection is ADDED or DELETED for this watch.
            "MODIFIED" when matchesNow && !matchedBefore => "ADDED",
            "MODIFIED" when !matchesNow && matchedBefore => "DELETED",
            "MODIFIED" when !matchesNow => null,
            "ADDED" or "DELETED" when !matchesNow => null,
            var t => t,
        };
        if (type is not null)
        {
            await WriteLineAsync(response, new JsonObject { ["type"] = type, ["object"] = e.Object.DeepClone() }, cancellationToken);
        }
    }

    private static JsonObject Bookmark(ResourceType type, long resourceVersion) => new()
    {
        ["type"] = "BOOKMARK",
        ["object"] = new JsonObject
        {
            ["kind"] = type.Kind,
            ["apiVersion"] = type.GroupVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
        },
    };

    private static async Task WriteLineAsync(HttpResponse response, JsonObject line, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString(CompactJson) + "\n");
        await response.Body.WriteAsync(bytes, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private JsonObject NamespaceList()
    {
        var items = new JsonArray();
        foreach (var ns in _store.Namespaces())
        {
            items.Add(Namespace(ns));
        }
        return new JsonObject
        {
            ["kind"] = "NamespaceList",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = _store.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = items,
        };
    }

    private static JsonObject Namespace(string name) => new()
    {
        ["kind"] = "Namespace",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["status"] = new JsonObject { ["phase"] = "Active" },
    };

    private static Dictionary<string, string> Labels(JsonObject obj) =>
        (obj["metadata"]?["labels"] as JsonObject)?
            .Where(kv => kv.Value?.GetValueKind() == JsonValueKind.String)
            .ToDictionary(kv => kv.Key, kv => (string)kv.Value!)
        ?? [];

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context)
    {
        var text = await ReadBodyAsync(context) ?? throw ApiException.BadRequest("the request body is empty; send the object as JSON");
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw ApiException.BadRequest("the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
    }

    private static async Task<string?> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(CompactJson), context.RequestAborted);
    }
}
