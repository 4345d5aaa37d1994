using Grpc.Core;
using Grpc.Core.Interceptors;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Orleans.Storage;

namespace Orvirt.Silo.Api;

/// <summary>
/// Turns cluster failures that escape a grain call into status codes a client can act on, instead of
/// UNKNOWN: a call timeout → DEADLINE_EXCEEDED, an unreachable silo or rejected message → UNAVAILABLE
/// (retry), a concurrent state write → ABORTED (re-read and retry).
/// </summary>
public sealed partial class GrainErrorInterceptor : Interceptor
{
    private readonly ILogger<GrainErrorInterceptor> _logger;

    public GrainErrorInterceptor(ILogger<GrainErrorInterceptor> logger) => _logger = logger;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (Translate(e, context.Method) is { } translated)
        {
            throw translated;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (Translate(e, context.Method) is { } translated)
        {
            throw translated;
        }
    }

    private RpcException? Translate(Exception e, string method)
    {
        var status = e switch
        {
            RpcException => (Grpc.Core.Status?)null,
            TimeoutException => new Grpc.Core.Status(StatusCode.DeadlineExceeded, $"the cluster did not answer in time ({e.Message}); retry"),
            SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException =>
                new Grpc.Core.Status(StatusCode.Unavailable, $"the cluster is unavailable ({e.Message}); retry shortly"),
            InconsistentStateException => new Grpc.Core.Status(StatusCode.Aborted, "the VM was changed concurrently; get it again and retry"),
            _ => null,
        };
        if (status is { } s)
        {
            LogTranslated(_logger, method, s.StatusCode, e);
            return new RpcException(s);
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} failed in the cluster; answered {Code}")]
    private static partial void LogTranslated(ILogger logger, string method, StatusCode code, Exception exception);
}
