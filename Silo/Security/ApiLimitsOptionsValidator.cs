using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Security;

/// <summary>Checks <see cref="ApiLimitsOptions"/>; each failure says which setting to change and to what.</summary>
public sealed class ApiLimitsOptionsValidator : IValidateOptions<ApiLimitsOptions>
{
    /// <summary>The smallest request limit that still fits an ordinary VM spec.</summary>
    public const int MinRequestBytes = 16 * 1024;

    public ValidateOptionsResult Validate(string? name, ApiLimitsOptions options)
    {
        var failures = new List<string>();
        if (options.MaxRequestBytes < MinRequestBytes)
        {
            failures.Add($"Orvirt:Limits:MaxRequestBytes {options.MaxRequestBytes} is below {MinRequestBytes}, too small for a VM spec; set e.g. ORVIRT__LIMITS__MAXREQUESTBYTES={1024 * 1024}");
        }
        if (options.MaxVmsPerNamespace < 1)
        {
            failures.Add($"Orvirt:Limits:MaxVmsPerNamespace {options.MaxVmsPerNamespace} must be at least 1; set e.g. ORVIRT__LIMITS__MAXVMSPERNAMESPACE=10000");
        }
        if (options.RequestsPerSecond < 0)
        {
            failures.Add($"Orvirt:Limits:RequestsPerSecond {options.RequestsPerSecond} is negative; set e.g. ORVIRT__LIMITS__REQUESTSPERSECOND=1000, or 0 to turn the per-client limit off");
        }
        if (options.RequestsPerSecond > 0 && options.RequestBurst < 1)
        {
            failures.Add($"Orvirt:Limits:RequestBurst {options.RequestBurst} must be at least 1 while RequestsPerSecond is set; set e.g. ORVIRT__LIMITS__REQUESTBURST={Math.Max(1, options.RequestsPerSecond * 2)}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
