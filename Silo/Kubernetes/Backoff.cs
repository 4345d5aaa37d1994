namespace Orvirt.Silo.Kubernetes;

/// <summary>Capped exponential backoff with jitter; <see cref="Reset"/> after a success.</summary>
internal sealed class Backoff(TimeSpan baseDelay, TimeSpan cap)
{
    private int _failures;

    /// <summary>The delay after one more failure: base x 2^(failures-1), capped, with up to 20% jitter.</summary>
    public TimeSpan Next()
    {
        _failures = Math.Min(_failures + 1, 30);
        var delay = Math.Min(cap.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, _failures - 1));
        return TimeSpan.FromMilliseconds(delay * (0.8 + (Random.Shared.NextDouble() * 0.2)));
    }

    public void Reset() => _failures = 0;

    public int Failures => _failures;
}
