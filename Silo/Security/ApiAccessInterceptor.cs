using Grpc.Core;
using Grpc.Core.Interceptors;
using Orvirt.Silo.Web;

namespace Orvirt.Silo.Security;

/// <summary>
/// Checks every gRPC call against the configured bearer tokens (<see cref="AccessTokens"/>) when any are
/// configured: no or an unknown token → UNAUTHENTICATED; a viewer token on a call that changes something, or a
/// namespace-limited token on another namespace → PERMISSION_DENIED. A namespace-limited token may not list or
/// watch across all namespaces (PERMISSION_DENIED naming its namespaces); it lists each of them by name instead.
/// Logs name the caller by where its token was configured, never by the token.
/// </summary>
public sealed partial class ApiAccessInterceptor : Interceptor
{
    private readonly AccessTokens _tokens;
    private readonly ILogger<ApiAccessInterceptor> _logger;

    public ApiAccessInterceptor(AccessTokens tokens, ILogger<ApiAccessInterceptor> logger)
    {
        _tokens = tokens;
        _logger = logger;
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(request, context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(request, context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        // No such method today; refuse anything but an unlimited admin so that a new one is not open by accident.
        Authorize(new object(), context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(new object(), context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(object request, ServerCallContext context)
    {
        if (!_tokens.Required)
        {
            return;
        }
        var caller = CallerIdentity.Of(context, _tokens);
        if (caller.Grant is not { } grant)
        {
            var problem = caller.SentToken ? "the bearer token is not one of the configured tokens" : "no bearer token was sent";
            LogUnauthenticated(_logger, context.Method, context.Peer, problem);
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                $"{problem}; set ORVIRT_TOKEN (or send 'authorization: Bearer <token>') to a token from the silo's token file"));
        }
        var call = ApiCall.Of(request);
        string? denied = null;
        if (call.Mutates && grant.Role != TokenRole.Admin)
        {
            denied = $"the token is a viewer token, which may read but not change anything; use an admin token for {context.Method}";
        }
        else if (call.AllNamespaces && !grant.AllNamespaces)
        {
            denied = $"the token is limited to the namespaces {grant.DescribeNamespaces()}; ask for one of them by name instead of all namespaces";
        }
        else if (call.Namespace is { } ns && !grant.Allows(ns))
        {
            denied = $"the token is limited to the namespaces {grant.DescribeNamespaces()} and may not touch namespace '{ns}'";
        }
        if (denied is not null)
        {
            LogDenied(_logger, context.Method, context.Peer, grant.Source, denied);
            throw new RpcException(new Status(StatusCode.PermissionDenied, denied));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Method} from {Peer}: {Problem}")]
    private static partial void LogUnauthenticated(ILogger logger, string method, string peer, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Denied {Method} from {Peer} with the token of {TokenSource}: {Problem}")]
    private static partial void LogDenied(ILogger logger, string method, string peer, string tokenSource, string problem);
}
