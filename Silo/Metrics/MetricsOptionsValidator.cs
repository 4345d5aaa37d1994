using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Metrics;

/// <summary>Checks <see cref="MetricsOptions"/> and says how to fix a bad value.</summary>
public sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options) =>
        options.RefreshInterval < TimeSpan.FromSeconds(1) || options.RefreshInterval > TimeSpan.FromMinutes(10)
            ? ValidateOptionsResult.Fail($"Orvirt:Metrics:RefreshInterval {options.RefreshInterval} is out of range; set ORVIRT__METRICS__REFRESHINTERVAL between 00:00:01 and 00:10:00 (default 00:00:05).")
            : ValidateOptionsResult.Success;
}
