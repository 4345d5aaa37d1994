using System.Collections.Concurrent;

namespace Orvirt.KubeApiServer;

/// <summary>Fault injection and request counting for tests.</summary>
public sealed class KubeApiFaults
{
    private readonly Lock _gate = new();
    private readonly List<FailureRule> _rules = [];
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    /// <summary>Every request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Fails the next <paramref name="count"/> requests whose method is <paramref name="method"/> and whose path contains <paramref name="pathContains"/> with <paramref name="statusCode"/> (429 or 500).</summary>
    public void FailNext(string method, string pathContains, int count, int statusCode)
    {
        if (statusCode is not (429 or 500))
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "use 429 (TooManyRequests) or 500 (InternalError)");
        }
        lock (_gate)
        {
            _rules.Add(new FailureRule(method, pathContains, statusCode) { Remaining = count });
        }
    }

    /// <summary>How many failures armed by <see cref="FailNext"/> are still waiting for a matching request.</summary>
    public int PendingFailures
    {
        get
        {
            lock (_gate)
            {
                return _rules.Sum(r => r.Remaining);
            }
        }
    }

    /// <summary>Requests so far with this method whose path contains <paramref name="pathContains"/>; <paramref name="watch"/> filters watches in or out.</summary>
    public int Count(string method, string pathContains, bool? watch = null) =>
        _requests.Count(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)
            && r.Path.Contains(pathContains, StringComparison.Ordinal)
            && (watch is null || r.IsWatch == watch));

    internal ApiException? Record(RecordedRequest request)
    {
        _requests.Enqueue(request);
        lock (_gate)
        {
            var rule = _rules.FirstOrDefault(r => r.Remaining > 0
                && string.Equals(r.Method, request.Method, StringComparison.OrdinalIgnoreCase)
                && request.Path.Contains(r.PathContains, StringComparison.Ordinal));
            if (rule is null)
            {
                return null;
            }
            rule.Remaining--;
            _rules.RemoveAll(r => r.Remaining == 0);
            return rule.StatusCode == 429
                ? new ApiException(429, "TooManyRequests", "injected fault: too many requests, please try again later")
                : new ApiException(500, "InternalError", "Internal error occurred: injected fault");
        }
    }

    private sealed record FailureRule(string Method, string PathContains, int StatusCode)
    {
        public int Remaining { get; set; }
    }
}
