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

    /// <summary>Sends one inline command and returns the first reply line (e.g. <c>+PONG</c>, <c>:42</c>).</summary>
    public async Task<string> CommandAsync(string command, CancellationToken cancellationToken = default)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? "";
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
            if (!_process.HasExited)
            {
                _ = SiloProcess.Kill(_process.Id, SigTerm);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    KillQuietly();
                    await _process.WaitForExitAsync().ConfigureAwait(false);
                }
            }
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
                var reply = await CommandAsync("PING", attempt.Token).ConfigureAwait(false);
                if (reply == "+PONG")
                {
                    return;
                }
                last = reply;
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = e.Message;
            }
            // Poll interval, not synchronisation: the loop ends on PONG or the deadline.
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"redis-server (pid {_process.Id}) did not answer PING on 127.0.0.1:{Port} within {timeout.TotalSeconds:0} s (last: {last}). Output:\n{Output}");
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
