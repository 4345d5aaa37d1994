using Microsoft.Extensions.Options;

namespace Orvirt.Grains;

/// <summary>Refuses controller options that cannot work and says how to fix each one.</summary>
public sealed class VmControllerOptionsValidator : IValidateOptions<VmControllerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, VmControllerOptions options)
    {
        var failures = new List<string>();
        var section = VmControllerOptions.SectionName;
        if (options.BackoffBase <= TimeSpan.Zero)
        {
            failures.Add($"{section}:BackoffBase is {options.BackoffBase}; set a positive duration, e.g. '00:00:10'.");
        }
        if (options.BackoffCap < options.BackoffBase)
        {
            failures.Add($"{section}:BackoffCap ({options.BackoffCap}) is below BackoffBase ({options.BackoffBase}); set it at least as long, e.g. '00:05:00'.");
        }
        if (options.BackoffResetAfter <= TimeSpan.Zero)
        {
            failures.Add($"{section}:BackoffResetAfter is {options.BackoffResetAfter}; set a positive duration, e.g. '00:01:00'.");
        }
        if (options.NodeHeartbeatTimeout < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"{section}:NodeHeartbeatTimeout is {options.NodeHeartbeatTimeout}; set at least 100 ms (default '00:00:15') and keep the agent's heartbeat period well below it.");
        }
        if (options.FenceGracePeriod < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"{section}:FenceGracePeriod is {options.FenceGracePeriod}; set at least 100 ms (default '00:00:30') so that a node that misses one heartbeat check is not fenced at once.");
        }
        if (options.MaxPhaseTransitions is < 1 or > 1000)
        {
            failures.Add($"{section}:MaxPhaseTransitions is {options.MaxPhaseTransitions}; use 1 to 1000 (default 10).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
