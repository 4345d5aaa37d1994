using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Metrics;

/// <summary>Counts gRPC API calls and measures their latency by method and final status code.</summary>
public sealed class GrpcMetricsInterceptor : Interceptor
{
    private static readonly IReadOnlyList<double> LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public GrpcMetricsInterceptor(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(OrvirtMetrics.SiloMeter);
        _requests = meter.CreateCounter<long>(OrvirtMetrics.GrpcRequests, description: "gRPC API calls by method and status code.");
        _duration = meter.CreateHistogram(OrvirtMetrics.GrpcRequestDurationSeconds, "s", "gRPC API call latency by method and status code.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var code = StatusCode.Unknown;
        try
        {
            var response = await continuation(request, context);
            code = context.Status.StatusCode;
            return response;
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
            throw;
        }
        catch (OperationCanceledException)
        {
            code = StatusCode.Cancelled;
            throw;
        }
        finally
        {
            Record(context.Method, code, started);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var code = StatusCode.Unknown;
        try
        {
            await continuation(request, responseStream, context);
            code = context.Status.StatusCode;
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
            throw;
        }
        catch (OperationCanceledException)
        {
            code = StatusCode.Cancelled;
            throw;
        }
        finally
        {
            Record(context.Method, code, started);
        }
    }

    private void Record(string method, StatusCode code, long started)
    {
        var tags = new TagList
        {
            { OrvirtMetrics.MethodTag, method },
            { OrvirtMetrics.CodeTag, code.ToString() },
        };
        _requests.Add(1, tags);
        _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }
}
