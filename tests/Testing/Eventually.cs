using System.Diagnostics;

namespace Orvirt.Testing;

/// <summary>Polls a probe until a condition holds or a deadline passes; the failure names what was awaited and the last value seen.</summary>
public static class Eventually
{
    /// <summary>Default deadline: 30 s.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Calls <paramref name="probe"/> every 50 ms until <paramref name="condition"/> holds and returns that value.
    /// Throws <see cref="TimeoutException"/> with <paramref name="what"/> and the last value (or exception) otherwise.
    /// </summary>
    public static async Task<T> MatchAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        var last = "(no value yet)";
        var attempts = 0;
        while (true)
        {
            attempts++;
            try
            {
                var value = await probe().ConfigureAwait(false);
                if (condition(value))
                {
                    return value;
                }
                last = value?.ToString() ?? "null";
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = $"{e.GetType().Name}: {e.Message}";
            }
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s ({attempts} attempts) waiting for {what}. Last seen: {last}");
            }
            // Poll interval, not synchronisation: the loop ends on the condition or the deadline.
            await Task.Delay(TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
        }
    }
}
