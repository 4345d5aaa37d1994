using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Options;

/// <summary>Checks <see cref="StreamingOptions"/>; each failure says how to fix it.</summary>
public sealed class StreamingOptionsValidator : IValidateOptions<StreamingOptions>
{
    public ValidateOptionsResult Validate(string? name, StreamingOptions options)
    {
        var failures = new List<string>();
        if (options.PullPeriod < TimeSpan.FromMilliseconds(1) || options.PullPeriod > TimeSpan.FromSeconds(10))
        {
            failures.Add($"Orvirt:Streams:PullPeriod {options.PullPeriod} is outside 1 ms to 10 s; set e.g. ORVIRT__STREAMS__PULLPERIOD=00:00:00.010");
        }
        if (options.BatchSize is < 1 or > 10_000)
        {
            failures.Add($"Orvirt:Streams:BatchSize {options.BatchSize} is outside 1 to 10000; set e.g. ORVIRT__STREAMS__BATCHSIZE=100");
        }
        if (options.Queues is < 1 or > 256)
        {
            failures.Add($"Orvirt:Streams:Queues {options.Queues} is outside 1 to 256; set e.g. ORVIRT__STREAMS__QUEUES=8");
        }
        if (options.IdlePullPeriod is { } idle && (idle < options.PullPeriod || idle > TimeSpan.FromSeconds(10)))
        {
            failures.Add($"Orvirt:Streams:IdlePullPeriod {options.IdlePullPeriod} is outside PullPeriod ({options.PullPeriod}) to 10 s; set e.g. ORVIRT__STREAMS__IDLEPULLPERIOD=00:00:00.100, or equal to PullPeriod to read every queue at every pull");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
