using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Orvirt.Testing;

/// <summary>
/// A real <c>redis-server</c> on a free 127.0.0.1 port with its own temporary folder (append-only file, no snapshots),
/// for tests of cluster mode. Dispose it to stop the server by its pid and delete the folder, even when a test fails.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly EventHandler _onTestProcessExit;
    private int _disposed;

    private RedisServer(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
        _onTestProcessExit = (_, _) => KillQuietly();
        AppDomain.CurrentDomain.ProcessExit += _onTestProcessExit;
    }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The server's working folder (its append-only file).</summary>
    public string Directory { get; }

    /// <summary>The connection string for <c>ORVIRT__REDIS</c>, e.g. <c>127.0.0.1:41234</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The server's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>What the server wrote so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>redis-server</c> (from <c>$ORVIRT_REDIS_SERVER</c>, else the PATH) and waits until it answers PING.
    /// Throws with its output when it exits early or does not answer within <paramref name="timeout"/> (default 20 s).
    /// </summary>
    public static async Task<RedisServer> StartAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var executable = Environment.GetEnvironmentVariable("ORVIRT_REDIS_SERVER") is { Length: > 0 } path ? path : "redis-server";
        for (var attempt = 1; ; attempt++)
        {
            var directory = System.IO.Directory.CreateTempSubdirectory("orvirt-redis-").FullName;
            var port = SiloProcess.FreePorts(1)[0];
            var psi = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            };
            foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir", directory, "--daemonize", "no" })
            {
                psi.ArgumentList.Add(a);
            }
            var process = new Process { StartInfo = psi };
            try
            {
                if (!process.Start())
                {
                    throw new InvalidOperationException($"could not start '{executable}'");
                }
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                process.Dispose();
                SiloProcess.TryDeleteDirectory(directory);
                throw new InvalidOperationException($"'{executable}' cannot be started ({e.Message}); install it (apt-get install redis-server, as scripts/setup.sh does) or set ORVIRT_REDIS_SERVER to its path.", e);
            }
            var server = new RedisServer(process, port, directory);
            process.OutputDataReceived += (_, e) => server.Append(e.Data);
            process.ErrorDataReceived += (_, e) => server.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await server.WaitForPingAsync(timeout ?? TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3 && server.Output.Contains("Address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // The free port was taken between picking and binding: try another.
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// Sends one command (e.g. <c>PING</c>, or <c>HVALS</c> and a key) and returns the reply: one element for a simple, integer
    /// or bulk reply, one per element for an array reply (a nil element is returned as an empty string). Throws on an error reply.
    /// </summary>
    public async Task<IReadOnlyList<string>> CommandAsync(string[] command, CancellationToken cancellationToken = default)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        var request = new StringBuilder($"*{command.Length}\r\n");
        foreach (var part in command)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var header = await ReadLineAsync(reader, cancellationToken).ConfigureAwait(false);
        if (header[0] != '*')
        {
            return [await ReadValueAsync(header, reader, cancellationToken).ConfigureAwait(false)];
        }
        var count = int.Parse(header.AsSpan(1), CultureInfo.InvariantCulture);
        var items = new List<string>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            items.Add(await ReadValueAsync(await ReadLineAsync(reader, cancellationToken).ConfigureAwait(false), reader, cancellationToken).ConfigureAwait(false));
        }
        return items;
    }

    /// <summary>Stops the server (SIGTERM, then SIGKILL after 10 s), waits for it and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        AppDomain.CurrentDomain.ProcessExit -= _onTestProcessExit;
        try
        {
            await ChildProcesses.StopAsync(_process, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
            SiloProcess.TryDeleteDirectory(Directory);
        }
    }

    private async Task WaitForPingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer yet";
        while (clock.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException($"redis-server (pid {_process.Id}) exited with code {_process.ExitCode} before it answered PING on 127.0.0.1:{Port}. Output:\n{Output}");
            }
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                var reply = await CommandAsync(["PING"], attempt.Token).ConfigureAwait(false);
                if (reply is ["PONG"])
                {
                    return;
                }
                last = string.Join(" ", reply);
            }
            catch (Exception e) when (e is SocketException or IOException or InvalidOperationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = e.Message;
            }
            // Poll interval, not synchronisation: the loop ends on PONG or the deadline.
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"redis-server (pid {_process.Id}) did not answer PING on 127.0.0.1:{Port} within {timeout.TotalSeconds:0} s (last: {last}). Output:\n{Output}");
    }

    private static async Task<string> ReadLineAsync(StreamReader reader, CancellationToken cancellationToken) =>
        await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 } line
            ? line
            : throw new IOException("redis-server closed the connection or sent an empty line");

    // One RESP value whose first line is header: +simple, :integer, $bulk (nil as ""), -error (thrown).
    private static async Task<string> ReadValueAsync(string header, StreamReader reader, CancellationToken cancellationToken)
    {
        switch (header[0])
        {
            case '+' or ':':
                return header[1..];
            case '-':
                throw new InvalidOperationException("redis-server answered " + header[1..]);
            case '$':
                var length = int.Parse(header.AsSpan(1), CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return "";
                }
                var buffer = new char[length + 2];
                var read = 0;
                while (read < buffer.Length)
                {
                    var n = await reader.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        throw new IOException("redis-server closed the connection in the middle of a reply");
                    }
                    read += n;
                }
                return new string(buffer, 0, length);
            default:
                throw new IOException($"unexpected reply from redis-server: {header}");
        }
    }

    private void KillQuietly()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
