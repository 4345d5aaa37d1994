using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Frozen;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Orvirt.Api.V1;

namespace Orvirt.Silo.Security;

/// <summary>
/// Answers INVALID_ARGUMENT for a gRPC request whose message protobuf cannot parse (invalid UTF-8 in a string,
/// unknown groups nested past protobuf's recursion limit, a truncated field). grpc-dotnet would parse it only
/// inside its handler, before any interceptor, and answer UNKNOWN. The message is peeked, not consumed: a message
/// that parses (or is compressed, or larger than <see cref="ApiLimitsOptions.MaxRequestBytes"/>, which grpc-dotnet
/// refuses itself) goes on to the service untouched.
/// </summary>
public sealed partial class MalformedRequestMiddleware
{
    private const int FrameHeaderBytes = 5;

    // "/orvirt.v1.VirtualMachines/Create" → CreateRequest's parser, for every method of every service in orvirt.proto.
    private static readonly FrozenDictionary<string, MessageParser> Parsers = OrvirtReflection.Descriptor.Services
        .SelectMany(s => s.Methods.Select(m => (Path: $"/{s.FullName}/{m.Name}", m.InputType.Parser)))
        .ToFrozenDictionary(p => p.Path, p => p.Parser, StringComparer.Ordinal);

    private readonly RequestDelegate _next;
    private readonly int _grpcPort;
    private readonly IOptions<ApiLimitsOptions> _limits;
    private readonly ILogger<MalformedRequestMiddleware> _logger;

    public MalformedRequestMiddleware(RequestDelegate next, int grpcPort, IOptions<ApiLimitsOptions> limits, ILogger<MalformedRequestMiddleware> logger)
    {
        _next = next;
        _grpcPort = grpcPort;
        _limits = limits;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Connection.LocalPort == _grpcPort
            && Parsers.TryGetValue(context.Request.Path.Value ?? "", out var parser)
            && context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true
            && await ParseErrorAsync(context, parser) is { } error)
        {
            LogMalformed(_logger, context.Request.Path.Value!, context.Connection.RemoteIpAddress?.ToString() ?? "?", error);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            // A trailers-only answer: the status travels in the headers. ASCII without '%', so it needs no escaping.
            context.Response.Headers["grpc-status"] = "3";
            context.Response.Headers["grpc-message"] = $"the request message is not valid protobuf ({Ascii(error)}); send it with a protobuf library from the proto in protos/orvirt/v1";
            return;
        }
        await _next(context);
    }

    // Reads the first message frame without consuming it; returns why it does not parse, or null.
    private async Task<string?> ParseErrorAsync(HttpContext context, MessageParser parser)
    {
        var reader = context.Request.BodyReader;
        var header = new byte[FrameHeaderBytes];
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            var buffer = result.Buffer;
            if (buffer.Length >= FrameHeaderBytes)
            {
                buffer.Slice(0, FrameHeaderBytes).CopyTo(header);
                var compressed = header[0] != 0;
                var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
                if (compressed || length > (uint)_limits.Value.MaxRequestBytes)
                {
                    reader.AdvanceTo(buffer.Start);
                    return null;
                }
                if (buffer.Length >= FrameHeaderBytes + length)
                {
                    var error = TryParse(parser, buffer.Slice(FrameHeaderBytes, length));
                    reader.AdvanceTo(buffer.Start);
                    return error;
                }
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                // A short body: grpc-dotnet reports the incomplete message itself.
                reader.AdvanceTo(buffer.Start);
                return null;
            }
            // Nothing consumed, everything examined: the next read waits for more bytes.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static string? TryParse(MessageParser parser, ReadOnlySequence<byte> message)
    {
        try
        {
            parser.ParseFrom(message);
            return null;
        }
        catch (InvalidProtocolBufferException e)
        {
            return e.Message;
        }
    }

    private static string Ascii(string text) =>
        new([.. text.Select(c => c is >= ' ' and <= '~' and not '%' ? c : '?')]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Method} from {Remote}: the request message does not parse ({Error})")]
    private static partial void LogMalformed(ILogger logger, string method, string remote, string error);
}
