using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Dashboard;

/// <summary>Checks <see cref="DashboardTuningOptions"/> and says how to fix a bad value.</summary>
public sealed class DashboardTuningOptionsValidator : IValidateOptions<DashboardTuningOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DashboardTuningOptions options) =>
        options.CounterUpdateInterval < TimeSpan.FromSeconds(1) || options.CounterUpdateInterval > TimeSpan.FromMinutes(10)
            ? ValidateOptionsResult.Fail($"Orvirt:Dashboard:CounterUpdateInterval {options.CounterUpdateInterval} is out of range; set ORVIRT__DASHBOARD__COUNTERUPDATEINTERVAL between 00:00:01 and 00:10:00 (default 00:00:10).")
            : ValidateOptionsResult.Success;
}
