using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;

namespace Orvirt.Client.Connection;

/// <summary>
/// Calls one of several servers of a cluster. A unary call that cannot connect to the current server (UNAVAILABLE caused
/// by a refused or failed connection, so the request never reached it) is sent to the next one, each server tried once;
/// the server that answered becomes the current one. Streaming calls go to the current server without failover.
/// </summary>
public sealed class FailoverCallInvoker : CallInvoker
{
    private readonly IReadOnlyList<(Uri Address, CallInvoker Invoker)> _servers;
    private int _current;

    /// <summary>Calls go to <paramref name="servers"/> in order, starting with the first.</summary>
    public FailoverCallInvoker(IReadOnlyList<(Uri Address, CallInvoker Invoker)> servers)
    {
        ArgumentOutOfRangeException.ThrowIfZero(servers.Count);
        _servers = servers;
    }

    /// <summary>The server that answered last (the first one before any call).</summary>
    public Uri Current => _servers[Volatile.Read(ref _current)].Address;

    /// <summary>True when <paramref name="error"/> means the request could not be sent at all, so another server may take it.</summary>
    public static bool IsConnectFailure(RpcException error) =>
        error.StatusCode == StatusCode.Unavailable
        && (error.Status.DebugException is SocketException
            || error.Status.DebugException is HttpRequestException { InnerException: SocketException or null });

    /// <inheritdoc />
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        if (_servers.Count == 1)
        {
            return _servers[0].Invoker.AsyncUnaryCall(method, host, options, request);
        }
        var last = new TaskCompletionSource<AsyncUnaryCall<TResponse>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var response = CallWithFailoverAsync(method, host, options, request, last);
        return new AsyncUnaryCall<TResponse>(
            response,
            HeadersAsync(last.Task),
            () => Finished(last.Task).GetStatus(),
            () => Finished(last.Task).GetTrailers(),
            () =>
            {
                if (last.Task.IsCompletedSuccessfully)
                {
                    last.Task.Result.Dispose();
                }
            });
    }

    /// <inheritdoc />
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        using var call = AsyncUnaryCall(method, host, options, request);
        return call.ResponseAsync.GetAwaiter().GetResult();
    }

    /// <inheritdoc />
    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        _servers[Volatile.Read(ref _current)].Invoker.AsyncServerStreamingCall(method, host, options, request);

    /// <inheritdoc />
    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        _servers[Volatile.Read(ref _current)].Invoker.AsyncClientStreamingCall(method, host, options);

    /// <inheritdoc />
    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        _servers[Volatile.Read(ref _current)].Invoker.AsyncDuplexStreamingCall(method, host, options);

    private async Task<TResponse> CallWithFailoverAsync<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request, TaskCompletionSource<AsyncUnaryCall<TResponse>> last)
        where TRequest : class
        where TResponse : class
    {
        var first = Volatile.Read(ref _current);
        for (var attempt = 0; ; attempt++)
        {
            var index = (first + attempt) % _servers.Count;
            var call = _servers[index].Invoker.AsyncUnaryCall(method, host, options, request);
            try
            {
                var response = await call.ResponseAsync.ConfigureAwait(false);
                Volatile.Write(ref _current, index);
                last.TrySetResult(call);
                return response;
            }
            catch (RpcException e) when (attempt + 1 < _servers.Count && IsConnectFailure(e) && !options.CancellationToken.IsCancellationRequested)
            {
                call.Dispose();
            }
            catch
            {
                last.TrySetResult(call);
                throw;
            }
        }
    }

    private static async Task<Metadata> HeadersAsync<TResponse>(Task<AsyncUnaryCall<TResponse>> last) =>
        await (await last.ConfigureAwait(false)).ResponseHeadersAsync.ConfigureAwait(false);

    private static AsyncUnaryCall<TResponse> Finished<TResponse>(Task<AsyncUnaryCall<TResponse>> last) =>
        last.IsCompletedSuccessfully ? last.Result : throw new InvalidOperationException("the call has not finished yet");
}
