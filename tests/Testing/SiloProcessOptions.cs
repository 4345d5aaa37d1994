namespace Orvirt.Testing;

/// <summary>How <see cref="SiloProcess.StartAsync"/> starts the silo.</summary>
public sealed class SiloProcessOptions
{
    /// <summary>
    /// The data directory (SQLite state). Null (default): a new temporary directory that the
    /// <see cref="SiloProcess"/> deletes when disposed. When given, it is reused and never deleted,
    /// so a second silo can start on the first one's <see cref="SiloProcess.DataDirectory"/>.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// The ports to listen on. Null (default): four free ports, picked anew on each start. Given: exactly these, e.g. the
    /// <see cref="SiloProcess.Ports"/> of a stopped silo, so that node agents and clients find the restarted silo where it was.
    /// </summary>
    public SiloPorts? Ports { get; init; }

    /// <summary>Extra environment variables for the silo, e.g. <c>ORVIRT__LIMITS__MAXMEMORYBYTES</c>. Applied last, so they override the defaults.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The address the HTTP/1.1 endpoint binds, e.g. <c>0.0.0.0</c> to bind all interfaces. Default <c>127.0.0.1</c>.
    /// The fixture always talks to it through 127.0.0.1 (<see cref="SiloProcess.HttpAddress"/>).
    /// </summary>
    public string HttpBindHost { get; init; } = "127.0.0.1";

    /// <summary>Path of <c>orvirt-silo.dll</c>. Null (default): <c>$ORVIRT_SILO_DLL</c>, else the Silo project's build output next to this repository's tests.</summary>
    public string? SiloDllPath { get; init; }

    /// <summary>How long to wait for <c>/healthz</c> to answer 200. Default 60 s.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long <see cref="SiloProcess.DisposeAsync"/> waits after SIGTERM before it sends SIGKILL. Default 15 s.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(15);
}
