using Orvirt.Interfaces;

namespace Orvirt.Silo.Web;

/// <summary>The VM page at <c>/</c> and its JSON and server-sent-event endpoints under <c>/api</c>.</summary>
public static class VmWebEndpoints
{
    /// <summary>Registers what the VM page needs.</summary>
    public static IServiceCollection AddOrvirtWeb(this IServiceCollection services)
    {
        services.AddSingleton<EmbeddedAssets>();
        services.AddSingleton<VmEventFeed>();
        return services;
    }

    /// <summary>
    /// Maps, on the HTTP port only: <c>/</c> (the page) and its files, <c>GET /api/vms[?namespace=]</c>,
    /// <c>GET /api/vms/{namespace}/{name}</c> (desired, actual and last observed), <c>GET /api/nodes</c>
    /// and <c>GET /api/events</c> (server-sent events).
    /// </summary>
    public static void MapOrvirtWeb(this IEndpointRouteBuilder endpoints, int httpPort)
    {
        var host = $"*:{httpPort}";
        var assets = endpoints.ServiceProvider.GetRequiredService<EmbeddedAssets>();
        endpoints.MapGet("/", () => assets.Serve("/index.html")).RequireHost(host);
        foreach (var path in assets.Paths.Where(p => p != "/index.html"))
        {
            endpoints.MapGet(path, () => assets.Serve(path)).RequireHost(host);
        }

        var api = endpoints.MapGroup("/api").RequireHost(host);
        api.MapGet("/vms", async (string? @namespace, VmEventFeed feed, CancellationToken cancellationToken) =>
        {
            if (!string.IsNullOrEmpty(@namespace) && VmValidator.Dns1123LabelError(@namespace) is { } error)
            {
                return Problem("namespace", "namespace " + error);
            }
            var vms = await feed.ListAsync(cancellationToken, string.IsNullOrEmpty(@namespace) ? null : @namespace);
            return Results.Json(vms, WebJson.Options);
        });
        api.MapGet("/vms/{namespace}/{name}", async (string @namespace, string name, IGrainFactory grains) =>
        {
            if (VmValidator.Dns1123LabelError(@namespace) is { } nsError)
            {
                return Problem("namespace", "namespace " + nsError);
            }
            if (VmValidator.Dns1123LabelError(name) is { } nameError)
            {
                return Problem("name", "name " + nameError);
            }
            var view = await grains.GetGrain<IVirtualMachineGrain>(new VmId(@namespace, name).Key).GetStateAsync();
            return view.Vm is null
                ? Results.Json(new ApiError("name", $"virtual machine {@namespace}/{name} not found; list them with GET /api/vms"), WebJson.Options, statusCode: StatusCodes.Status404NotFound)
                : Results.Json(view, WebJson.Options);
        });
        api.MapGet("/nodes", async (VmEventFeed feed) => Results.Json(await feed.NodesAsync(), WebJson.Options));
        api.MapGet("/events", (VmEventFeed feed, HttpContext context) =>
        {
            // Tell proxies not to buffer the stream.
            context.Response.Headers["X-Accel-Buffering"] = "no";
            return TypedResults.ServerSentEvents(feed.ReadAsync(context.RequestAborted));
        });
    }

    private static IResult Problem(string field, string message) =>
        Results.Json(new ApiError(field, message), WebJson.Options, statusCode: StatusCodes.Status400BadRequest);
}
