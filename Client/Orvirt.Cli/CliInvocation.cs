using System.CommandLine;
using Grpc.Core;
using Orvirt.Client;
using Orvirt.Client.Connection;
using Orvirt.Client.Errors;

namespace Orvirt.Cli;

/// <summary>What one running command needs: its parse result, writers, the connection and the cancellation token.</summary>
public sealed class CliInvocation : IDisposable
{
    /// <summary>How long a unary call may take before the CLI gives up (exit code 5).</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly Option<string?> _server;
    private OrvirtConnection? _connection;

    private CliInvocation(ParseResult parse, Option<string?> server, CancellationToken cancellationToken)
    {
        Parse = parse;
        _server = server;
        CancellationToken = cancellationToken;
        Output = parse.InvocationConfiguration.Output;
        Error = parse.InvocationConfiguration.Error;
    }

    /// <summary>The parsed command line.</summary>
    public ParseResult Parse { get; }

    /// <summary>Where results go (stdout).</summary>
    public TextWriter Output { get; }

    /// <summary>Where messages and errors go (stderr).</summary>
    public TextWriter Error { get; }

    /// <summary>Cancelled on Ctrl-C / SIGTERM.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The connection, opened on first use from <c>--server</c>, <c>ORVIRT_SERVER</c> or the default.</summary>
    public OrvirtConnection Connection => _connection ??= OrvirtConnection.FromEnvironment(Parse.GetValue(_server));

    /// <summary>Options for a unary call: the call timeout and the cancellation token.</summary>
    public CallOptions Call() => new(deadline: DateTime.UtcNow + CallTimeout, cancellationToken: CancellationToken);

    /// <summary>Options for a streaming call: no deadline, cancelled by <paramref name="token"/>.</summary>
    public static CallOptions Stream(CancellationToken token) => new(cancellationToken: token);

    /// <summary>
    /// Wraps a command body: server and argument errors become <c>error: ...</c> lines on stderr and the
    /// matching exit code.
    /// </summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Action(Option<string?> server, Func<CliInvocation, Task<int>> body) =>
        async (parse, cancellationToken) =>
        {
            using var invocation = new CliInvocation(parse, server, cancellationToken);
            try
            {
                return await body(invocation).ConfigureAwait(false);
            }
            catch (CliException e)
            {
                await invocation.WriteErrorAsync(e.Message).ConfigureAwait(false);
                return e.ExitCode;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                await invocation.WriteErrorAsync("interrupted").ConfigureAwait(false);
                return ExitCodes.ServerError;
            }
            catch (RpcException e)
            {
                var translated = RpcErrorTranslator.Translate(e, invocation.Connection.Address);
                await invocation.WriteErrorAsync(translated.Message).ConfigureAwait(false);
                return translated.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await invocation.WriteErrorAsync("interrupted").ConfigureAwait(false);
                return ExitCodes.ServerError;
            }
        };

    /// <summary>Writes each line of <paramref name="message"/> to stderr prefixed with <c>error: </c>.</summary>
    public async Task WriteErrorAsync(string message)
    {
        foreach (var line in message.Split('\n'))
        {
            await Error.WriteLineAsync("error: " + line).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _connection?.Dispose();
}
