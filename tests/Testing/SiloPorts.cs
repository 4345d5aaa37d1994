namespace Orvirt.Testing;

/// <summary>The four ports of a <see cref="SiloProcess"/> on 127.0.0.1; give them to restart a silo where it was.</summary>
/// <param name="Grpc">The gRPC API (HTTP/2).</param>
/// <param name="Http">The HTTP/1.1 endpoint with <c>/healthz</c>.</param>
/// <param name="Silo">The Orleans silo-to-silo port.</param>
/// <param name="Gateway">The Orleans client gateway port.</param>
public sealed record SiloPorts(int Grpc, int Http, int Silo, int Gateway)
{
    /// <summary><paramref name="count"/> sets of four ports, all different, that were free on 127.0.0.1 a moment ago (one set per silo of a cluster).</summary>
    public static SiloPorts[] Free(int count)
    {
        var p = SiloProcess.FreePorts(4 * count);
        return [.. Enumerable.Range(0, count).Select(i => new SiloPorts(p[4 * i], p[4 * i + 1], p[4 * i + 2], p[4 * i + 3]))];
    }
}
