using System.Reflection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Orvirt.Silo.Dashboard;

/// <summary>
/// Applies <see cref="DashboardTuningOptions.CounterUpdateInterval"/> to the dashboard's telemetry export. The dashboard
/// (Microsoft.Orleans.Dashboard 10.4) exports every 1 s from a host class it does not make public
/// (<c>Orleans.Dashboard.DashboardHost.ExportIntervalMilliseconds</c>, read when the silo becomes active); this sets
/// that property early in the silo's start. Each export collects every Orleans instrument, among them the grain
/// directory cache size, which walks every cached entry: with 1,000 VMs that was the largest idle cost left.
/// If a later dashboard renames the property, the silo logs a warning and runs with the dashboard's default.
/// </summary>
public sealed partial class DashboardExportInterval(IServiceProvider services, IOptions<DashboardTuningOptions> options, ILogger<DashboardExportInterval> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private const string HostTypeName = "Orleans.Dashboard.DashboardHost, Orleans.Dashboard";
    private const string PropertyName = "ExportIntervalMilliseconds";

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DashboardExportInterval), ServiceLifecycleStage.RuntimeInitialize, _ =>
        {
            Apply();
            return Task.CompletedTask;
        });

    private void Apply()
    {
        var milliseconds = (int)options.Value.CounterUpdateInterval.TotalMilliseconds;
        var hostType = Type.GetType(HostTypeName, throwOnError: false);
        var property = hostType?.GetProperty(PropertyName, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        var host = hostType is null ? null
            : services.GetService(hostType)
              ?? services.GetServices<ILifecycleParticipant<ISiloLifecycle>>().FirstOrDefault(p => p?.GetType() == hostType);
        if (host is null || property is null || !property.CanWrite || property.PropertyType != typeof(int))
        {
            LogNotApplied(logger, milliseconds, hostType is null ? "its host type was not found" : property is null ? $"{PropertyName} was not found" : "its host was not registered");
            return;
        }
        property.SetValue(host, milliseconds);
        LogApplied(logger, milliseconds);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dashboard counters are sampled every {Milliseconds} ms")]
    private static partial void LogApplied(ILogger logger, int milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Orvirt:Dashboard:CounterUpdateInterval ({Milliseconds} ms) could not be applied ({Reason}); the dashboard samples at its own default of 1 s")]
    private static partial void LogNotApplied(ILogger logger, int milliseconds, string reason);
}
