using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Grpc.Net.Client;

namespace Orvirt.Testing;

/// <summary>
/// The real silo (<c>orvirt-silo.dll</c>) running as a child process on free 127.0.0.1 ports, for tests.
/// Dispose it to stop the process and delete the temporary data directory, even when a test fails.
/// </summary>
public sealed partial class SiloProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly bool _ownsDataDirectory;
    private readonly TimeSpan _stopTimeout;
    private readonly EventHandler _onTestProcessExit;
    private int _disposed;

    private SiloProcess(Process process, string dataDirectory, bool ownsDataDirectory, int grpcPort, int httpPort, int siloPort, int gatewayPort, TimeSpan stopTimeout)
    {
        _process = process;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        _stopTimeout = stopTimeout;
        // If the test host exits without disposing us, do not leave a silo behind.
        _onTestProcessExit = (_, _) => KillQuietly();
        AppDomain.CurrentDomain.ProcessExit += _onTestProcessExit;
    }

    /// <summary>The gRPC endpoint (HTTP/2 cleartext), e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri GrpcAddress { get; }

    /// <summary>The HTTP/1.1 endpoint with <c>/healthz</c>.</summary>
    public Uri HttpAddress { get; }

    /// <summary>The Orleans gateway port on 127.0.0.1 (for an Orleans client such as the node agent).</summary>
    public int GatewayPort { get; }

    /// <summary>The Orleans silo-to-silo port on 127.0.0.1.</summary>
    public int SiloPort { get; }

    /// <summary>All four ports, e.g. to start a silo again on the same ones (<see cref="SiloProcessOptions.Ports"/>).</summary>
    public SiloPorts Ports => new(GrpcAddress.Port, HttpAddress.Port, SiloPort, GatewayPort);

    /// <summary>The silo's data directory (its SQLite state).</summary>
    public string DataDirectory { get; }

    /// <summary>The silo's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the silo wrote to stdout and stderr so far.</summary>
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
    /// Starts the silo and waits until <c>/healthz</c> answers 200. Throws with the captured output when the
    /// process exits early or does not become healthy within <see cref="SiloProcessOptions.StartupTimeout"/>.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(SiloProcessOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SiloProcessOptions();
        // A free port can be taken by another process between picking and binding; then try new ports.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(options, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    private static async Task<SiloProcess> StartOnceAsync(SiloProcessOptions options, CancellationToken cancellationToken)
    {
        var dll = BuiltDll.Locate("Silo", "Orvirt.Silo.csproj", "orvirt-silo.dll", "ORVIRT_SILO_DLL", options.SiloDllPath);
        var ownsDataDirectory = options.DataDirectory is null;
        var dataDirectory = options.DataDirectory ?? Directory.CreateTempSubdirectory("orvirt-silo-").FullName;
        Directory.CreateDirectory(dataDirectory);

        var ports = options.Ports is { } fixedPorts ? [fixedPorts.Grpc, fixedPorts.Http, fixedPorts.Silo, fixedPorts.Gateway] : FreePorts(4);
        var psi = new ProcessStartInfo(BuiltDll.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        psi.ArgumentList.Add(dll);
        psi.Environment["ORVIRT__DATADIRECTORY"] = dataDirectory;
        psi.Environment["ORVIRT__GRPCENDPOINT"] = $"127.0.0.1:{ports[0]}";
        psi.Environment["ORVIRT__HTTPENDPOINT"] = $"{options.HttpBindHost}:{ports[1]}";
        psi.Environment["ORVIRT__SILOPORT"] = ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["ORVIRT__GATEWAYPORT"] = ports[3].ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        psi.Environment.Remove("KUBERNETES_SERVICE_HOST");
        psi.Environment.Remove("ORVIRT_DATA_DIR");
        foreach (var (key, value) in options.Environment)
        {
            psi.Environment[key] = value;
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        SiloProcess? silo = null;
        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException($"could not start '{psi.FileName} {dll}'");
            }
            silo = new SiloProcess(process, dataDirectory, ownsDataDirectory, ports[0], ports[1], ports[2], ports[3], options.StopTimeout);
            process.OutputDataReceived += (_, e) => silo.Append(e.Data);
            process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await silo.WaitHealthyAsync(options.StartupTimeout, cancellationToken).ConfigureAwait(false);
            return silo;
        }
        catch
        {
            if (silo is not null)
            {
                await silo.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                process.Dispose();
                if (ownsDataDirectory)
                {
                    TryDeleteDirectory(dataDirectory);
                }
            }
            throw;
        }
    }

    /// <summary>A gRPC channel to <see cref="GrpcAddress"/>; the caller disposes it.</summary>
    public GrpcChannel CreateChannel() => GrpcChannel.ForAddress(GrpcAddress);

    /// <summary>Kills the silo with SIGKILL (no graceful shutdown) and waits until it has exited. The data directory stays.</summary>
    public async Task KillAsync()
    {
        KillQuietly();
        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the silo (SIGTERM, then SIGKILL after the stop timeout), waits for it, and deletes the data directory if this instance created it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        AppDomain.CurrentDomain.ProcessExit -= _onTestProcessExit;
        try
        {
            await ChildProcesses.StopAsync(_process, _stopTimeout).ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
            if (_ownsDataDirectory)
            {
                TryDeleteDirectory(DataDirectory);
            }
        }
    }

    private async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var healthz = new Uri(HttpAddress, "/healthz");
        var deadline = Stopwatch.StartNew();
        var lastProblem = "no answer yet";
        var attempts = 0;
        while (deadline.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            attempts++;
            if (_process.HasExited)
            {
                // Let the output readers drain before reporting.
                await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException(
                    $"The silo (pid {_process.Id}) exited with code {_process.ExitCode} before {healthz} answered. Output:\n{Output}");
            }
            try
            {
                using var response = await http.GetAsync(healthz, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
                lastProblem = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                lastProblem = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastProblem = "request timed out";
            }
            // Poll interval, not synchronisation: the loop ends on the health answer or the deadline.
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException(
            $"The silo (pid {_process.Id}) did not answer 200 on {healthz} within {timeout.TotalSeconds:0} s ({attempts} attempts, last: {lastProblem}). Output:\n{Output}");
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

    private void KillQuietly()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited between the check and the kill.
        }
    }

    /// <summary>Ports that were free on 127.0.0.1 a moment ago; all listeners are held open together so the ports differ.</summary>
    internal static int[] FreePorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var l = new TcpListener(IPAddress.Loopback, 0);
                l.Start();
                listeners.Add(l);
            }
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var l in listeners)
            {
                l.Stop();
            }
        }
    }

    internal static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail the test that already ran.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
