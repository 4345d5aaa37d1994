using System.Net;
using Orvirt.NodeAgent.Agent;

namespace Orvirt.NodeAgent.Metrics;

/// <summary>Parses <see cref="AgentOptions.MetricsEndpoint"/>: empty (off) or an IPv4 loopback (or localhost) <c>host:port</c>.</summary>
public static class MetricsEndpoint
{
    /// <summary>
    /// Null when <paramref name="value"/> is valid (empty counts as valid: metrics off), else a message naming the
    /// setting and the fix. Only loopback addresses are accepted: the endpoint has no authentication yet.
    /// </summary>
    public static string? Error(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (!AgentOptionsValidator.TryParseGateway(value.Trim(), out var host, out _))
        {
            return $"--metrics / Agent:MetricsEndpoint '{value}' must be host:port with a port from 1 to 65535, e.g. 127.0.0.1:9464, or empty to serve no metrics";
        }
        if (!IsLoopback(host))
        {
            return $"--metrics / Agent:MetricsEndpoint '{value}': only an IPv4 loopback address (127.0.0.1) or localhost is supported yet, because the endpoint has no authentication (and the listener cannot bind IPv6 [::1]); use e.g. 127.0.0.1:9464";
        }
        return null;
    }

    /// <summary>Host and port of a valid non-empty <paramref name="value"/>; throws <see cref="ArgumentException"/> otherwise.</summary>
    public static (string Host, int Port) Parse(string value)
    {
        if (string.IsNullOrWhiteSpace(value) || Error(value) is not null || !AgentOptionsValidator.TryParseGateway(value.Trim(), out var host, out var port))
        {
            throw new ArgumentException(Error(value) ?? "--metrics / Agent:MetricsEndpoint is empty: there is no endpoint to listen on", nameof(value));
        }
        return (host, port);
    }

    private static bool IsLoopback(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        // IPv4 only: the managed HttpListener the exporter uses on Linux cannot parse a bracketed IPv6 prefix ([::1]).
        return !host.Contains(':', StringComparison.Ordinal) && IPAddress.TryParse(host, out var ip)
            && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && IPAddress.IsLoopback(ip);
    }
}
