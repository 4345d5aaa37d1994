using Microsoft.Extensions.Options;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Options;

/// <summary>Checks the validator's bounds (<c>Orvirt:Limits</c>, bound onto <see cref="ValidationLimits"/>); each failure says how to fix it.</summary>
public sealed class LimitsOptionsValidator : IValidateOptions<ValidationLimits>
{
    public const string Section = "Orvirt:Limits";

    public ValidateOptionsResult Validate(string? name, ValidationLimits limits)
    {
        var failures = new List<string>();
        if (limits.MinMemoryBytes < ValidationLimits.Mi)
        {
            failures.Add($"Orvirt:Limits:MinMemoryBytes {limits.MinMemoryBytes} is below 1Mi; set e.g. ORVIRT__LIMITS__MINMEMORYBYTES={16 * ValidationLimits.Mi}");
        }
        if (limits.MaxMemoryBytes < limits.MinMemoryBytes)
        {
            failures.Add($"Orvirt:Limits:MaxMemoryBytes {limits.MaxMemoryBytes} is below MinMemoryBytes {limits.MinMemoryBytes}; set e.g. ORVIRT__LIMITS__MAXMEMORYBYTES={1L << 40}");
        }
        Positive("MaxVcpus", limits.MaxVcpus, 512, failures);
        Positive("MaxDisks", limits.MaxDisks, 16, failures);
        Positive("MaxInterfaces", limits.MaxInterfaces, 8, failures);
        Positive("MaxLabels", limits.MaxLabels, 64, failures);
        if (limits.MaxDiskBytes < ValidationLimits.Mi)
        {
            failures.Add($"Orvirt:Limits:MaxDiskBytes {limits.MaxDiskBytes} is below 1Mi; set e.g. ORVIRT__LIMITS__MAXDISKBYTES={1L << 40}");
        }
        if (limits.MaxGracePeriodSeconds < 0)
        {
            failures.Add($"Orvirt:Limits:MaxGracePeriodSeconds {limits.MaxGracePeriodSeconds} is negative; set e.g. ORVIRT__LIMITS__MAXGRACEPERIODSECONDS=3600");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(string setting, int value, int example, List<string> failures)
    {
        if (value < 1)
        {
            failures.Add($"Orvirt:Limits:{setting} {value} must be at least 1; set e.g. ORVIRT__LIMITS__{setting.ToUpperInvariant()}={example}");
        }
    }
}
