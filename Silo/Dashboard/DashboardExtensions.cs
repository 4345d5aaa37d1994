using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Orleans.Runtime;

namespace Orvirt.Silo.Dashboard;

/// <summary>
/// The Orleans dashboard (<c>Microsoft.Orleans.Dashboard</c>) at <c>/dashboard</c> on the HTTP/1.1 endpoint.
/// Its grain-state view shows a VM grain's desired and actual state through
/// <see cref="Orvirt.Interfaces.IVirtualMachineGrain.GetStateAsync"/>. It has no authentication of its own:
/// <see cref="Web.BearerTokenMiddleware"/> guards it like the rest of the endpoint.
/// </summary>
public static class DashboardExtensions
{
    /// <summary>The path the dashboard is served under.</summary>
    public const string RoutePrefix = "/dashboard";

    /// <summary>
    /// Adds the dashboard's grains and collectors to the silo, sampling counters every
    /// <see cref="DashboardTuningOptions.CounterUpdateInterval"/> (<c>Orvirt:Dashboard</c>).
    /// </summary>
    public static ISiloBuilder AddOrvirtDashboard(this ISiloBuilder silo)
    {
        silo.Services.AddOptions<DashboardTuningOptions>().BindConfiguration(DashboardTuningOptions.Section).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<DashboardTuningOptions>, DashboardTuningOptionsValidator>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, DashboardExportInterval>();
        return silo.AddDashboard(dashboard => dashboard.CounterUpdateIntervalMs = (int)Math.Clamp(
            (silo.Configuration.GetSection(DashboardTuningOptions.Section).Get<DashboardTuningOptions>() ?? new DashboardTuningOptions()).CounterUpdateInterval.TotalMilliseconds,
            1000, TimeSpan.FromMinutes(10).TotalMilliseconds));
    }

    /// <summary>Maps the dashboard under <see cref="RoutePrefix"/> on the given HTTP port only.</summary>
    public static void MapOrvirtDashboard(this IEndpointRouteBuilder endpoints, int httpPort) =>
        endpoints.MapOrleansDashboard(routePrefix: RoutePrefix).RequireHost($"*:{httpPort}");
}
