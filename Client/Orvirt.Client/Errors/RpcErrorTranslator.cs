using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using Google.Rpc;
using Grpc.Core;

namespace Orvirt.Client.Errors;

/// <summary>Turns an <see cref="RpcException"/> into a message for people (field and fix) and an exit code.</summary>
public static class RpcErrorTranslator
{
    /// <summary>
    /// Translates <paramref name="error"/> from a call to <paramref name="server"/>. Field violations from
    /// <c>google.rpc.BadRequest</c> become one <c>field: description</c> line each.
    /// </summary>
    public static CliException Translate(RpcException error, Uri server)
    {
        ArgumentNullException.ThrowIfNull(error);
        var exitCode = ExitCodeFor(error.StatusCode);
        if (error.StatusCode == StatusCode.Unavailable || IsConnectionFailure(error))
        {
            return new CliException(ExitCodes.ServerError, ConnectionMessage(error, server));
        }
        if (error.StatusCode == StatusCode.DeadlineExceeded)
        {
            return new CliException(exitCode, $"the server at {server.GetLeftPart(UriPartial.Authority)} did not answer in time; check that it is healthy, or retry");
        }

        var lines = new List<string>();
        var status = error.GetRpcStatus();
        var badRequest = status?.GetDetail<BadRequest>();
        if (badRequest is { FieldViolations.Count: > 0 })
        {
            lines.AddRange(badRequest.FieldViolations.Select(v =>
                string.IsNullOrEmpty(v.Field) ? v.Description : $"{v.Field}: {v.Description}"));
        }
        else
        {
            var detail = status?.Message is { Length: > 0 } m ? m : error.Status.Detail;
            lines.Add(string.IsNullOrWhiteSpace(detail) ? $"the server answered {error.StatusCode}" : detail);
        }
        if (status?.GetDetail<PreconditionFailure>() is { Violations.Count: > 0 } precondition)
        {
            lines.AddRange(precondition.Violations.Select(v => string.IsNullOrEmpty(v.Subject) ? v.Description : $"{v.Subject}: {v.Description}"));
        }
        if (error.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            lines.Add($"set {Connection.ServerAddress.TokenVariable} to a token the server at {server} accepts");
        }
        return new CliException(exitCode, string.Join('\n', lines.Distinct()));
    }

    /// <summary>The CLI exit code for a gRPC status code.</summary>
    public static int ExitCodeFor(StatusCode code) => code switch
    {
        StatusCode.OK => ExitCodes.Ok,
        StatusCode.InvalidArgument or StatusCode.OutOfRange => ExitCodes.Usage,
        StatusCode.NotFound => ExitCodes.NotFound,
        StatusCode.AlreadyExists or StatusCode.FailedPrecondition or StatusCode.Aborted or StatusCode.ResourceExhausted => ExitCodes.Conflict,
        StatusCode.DeadlineExceeded => ExitCodes.TimedOut,
        _ => ExitCodes.ServerError,
    };

    private static bool IsConnectionFailure(RpcException error) =>
        error.StatusCode == StatusCode.Internal && FindInner<HttpRequestException>(error) is not null;

    private static string ConnectionMessage(RpcException error, Uri server)
    {
        var why = FindInner<SocketException>(error)?.Message
            ?? FindInner<HttpRequestException>(error)?.Message
            ?? error.Status.Detail;
        var text = new StringBuilder();
        text.Append("cannot reach the orvirt server at ").Append(server.GetLeftPart(UriPartial.Authority));
        if (!string.IsNullOrWhiteSpace(why))
        {
            text.Append(" (").Append(why.TrimEnd('.')).Append(')');
        }
        text.Append("; start the server there, or point the CLI at it with --server URL or the ")
            .Append(Connection.ServerAddress.EnvironmentVariable).Append(" environment variable");
        return text.ToString();
    }

    private static T? FindInner<T>(RpcException error)
        where T : Exception
    {
        for (Exception? e = error.Status.DebugException ?? error.InnerException; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }
        return null;
    }
}
