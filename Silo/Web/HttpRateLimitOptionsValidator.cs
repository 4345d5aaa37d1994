using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Web;

/// <summary>Checks <see cref="HttpRateLimitOptions"/>; each failure says which setting to change and to what.</summary>
public sealed class HttpRateLimitOptionsValidator : IValidateOptions<HttpRateLimitOptions>
{
    /// <summary>The shortest window accepted; shorter ones cost timer wake-ups without limiting anything better.</summary>
    public static readonly TimeSpan MinWindow = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest window accepted; a refused client would otherwise wait longer than a person would.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, HttpRateLimitOptions options)
    {
        var failures = new List<string>();
        if (options.RequestsPerWindow < 0)
        {
            failures.Add($"Orvirt:Http:RateLimit:RequestsPerWindow {options.RequestsPerWindow} is negative; set e.g. ORVIRT__HTTP__RATELIMIT__REQUESTSPERWINDOW=300, or 0 to turn the HTTP limit off.");
        }
        if (options.RequestsPerWindow > 0 && (options.Window < MinWindow || options.Window > MaxWindow))
        {
            failures.Add($"Orvirt:Http:RateLimit:Window {options.Window} is outside {MinWindow} to {MaxWindow}; set e.g. ORVIRT__HTTP__RATELIMIT__WINDOW=00:00:01.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
