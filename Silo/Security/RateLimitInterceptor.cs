using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Orvirt.Silo.Web;

namespace Orvirt.Silo.Security;

/// <summary>
/// Refuses calls beyond a client's share (<see cref="ClientRateLimiter"/>) with RESOURCE_EXHAUSTED and a
/// <c>google.rpc.RetryInfo</c> saying when to retry, before they reach a grain, so that one flooding client
/// slows down instead of taking the silo down. A watch counts as one call.
/// </summary>
public sealed partial class RateLimitInterceptor : Interceptor
{
    private readonly ClientRateLimiter _limiter;
    private readonly AccessTokens _tokens;
    private readonly ILogger<RateLimitInterceptor> _logger;
    private long _refused;

    public RateLimitInterceptor(ClientRateLimiter limiter, AccessTokens tokens, ILogger<RateLimitInterceptor> logger)
    {
        _limiter = limiter;
        _tokens = tokens;
        _logger = logger;
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, responseStream, context);
    }

    private void Admit(ServerCallContext context)
    {
        var caller = CallerIdentity.Of(context, _tokens);
        if (_limiter.TryAcquire(caller.RateKey, out var retryAfter))
        {
            return;
        }
        // Log the first refusal and then every 1,000th, so that a flood does not also flood the log.
        var refused = Interlocked.Increment(ref _refused);
        if (refused % 1000 == 1)
        {
            LogRefused(_logger, context.Method, context.Peer, _limiter.RequestsPerSecond, refused);
        }
        var millis = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalMilliseconds));
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = $"too many requests from this client (limit {_limiter.RequestsPerSecond} per second, bursts of {_limiter.Burst}); retry after {millis} ms, "
                + "or ask the operator to raise Orvirt:Limits:RequestsPerSecond",
            Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(millis)) }) },
        };
        throw status.ToRpcException();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limit: refused {Method} from {Peer} (limit {PerSecond}/s per client; {Refused} refusals so far)")]
    private static partial void LogRefused(ILogger logger, string method, string peer, int perSecond, long refused);
}
