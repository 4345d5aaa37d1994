using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Options;

/// <summary>Checks <see cref="MembershipTuningOptions"/>; each failure says how to fix it.</summary>
public sealed class MembershipTuningOptionsValidator : IValidateOptions<MembershipTuningOptions>
{
    public ValidateOptionsResult Validate(string? name, MembershipTuningOptions options)
    {
        var failures = new List<string>();
        Period("ProbeTimeout", options.ProbeTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1), "00:00:01", failures);
        Period("IAmAlivePublishPeriod", options.IAmAlivePublishPeriod, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10), "00:00:05", failures);
        Period("TableRefreshPeriod", options.TableRefreshPeriod, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10), "00:00:05", failures);
        Count("NumMissedProbesLimit", options.NumMissedProbesLimit, 2, failures);
        Count("NumVotesForDeathDeclaration", options.NumVotesForDeathDeclaration, 2, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Period(string setting, TimeSpan value, TimeSpan min, TimeSpan max, string example, List<string> failures)
    {
        if (value < min || value > max)
        {
            failures.Add($"Orvirt:Membership:{setting} {value} is outside {min} to {max}; set e.g. ORVIRT__MEMBERSHIP__{setting.ToUpperInvariant()}={example}");
        }
    }

    private static void Count(string setting, int value, int example, List<string> failures)
    {
        if (value is < 1 or > 10)
        {
            failures.Add($"Orvirt:Membership:{setting} {value} is outside 1 to 10; set e.g. ORVIRT__MEMBERSHIP__{setting.ToUpperInvariant()}={example}");
        }
    }
}
