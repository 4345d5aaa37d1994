using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Metrics;

/// <summary>Checks <see cref="MetricsOptions"/> and says how to fix a bad value.</summary>
public sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        if (options.RefreshInterval < TimeSpan.FromSeconds(1) || options.RefreshInterval > TimeSpan.FromMinutes(10))
        {
            return ValidateOptionsResult.Fail($"Orvirt:Metrics:RefreshInterval {options.RefreshInterval} is out of range; set ORVIRT__METRICS__REFRESHINTERVAL between 00:00:01 and 00:10:00 (default 00:00:05).");
        }
        if (options.VmRelistInterval < options.RefreshInterval || options.VmRelistInterval > TimeSpan.FromHours(1))
        {
            return ValidateOptionsResult.Fail($"Orvirt:Metrics:VmRelistInterval {options.VmRelistInterval} is out of range; set ORVIRT__METRICS__VMRELISTINTERVAL between Orvirt:Metrics:RefreshInterval ({options.RefreshInterval}) and 01:00:00 (default 00:01:00).");
        }
        return ValidateOptionsResult.Success;
    }
}
