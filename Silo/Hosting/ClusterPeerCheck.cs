using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Hosting;

/// <summary>
/// Decides whether a peer's certificate on an Orleans connection is from the cluster CA and carries the role that kind of
/// connection needs (<see cref="ClusterRole.Silo"/> on the silo port and towards other silos, <see cref="ClusterRole.Agent"/>
/// on the gateway port), and logs each refused certificate with what it presented and the fix (at most once a minute per
/// certificate and connection kind, so a peer that keeps retrying does not flood the log).
/// </summary>
public sealed class ClusterPeerCheck(ClusterTrust trust)
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);
    private const int MaxRemembered = 1024;
    private readonly ConcurrentDictionary<(string, Connection), DateTime> _lastLogged = new();
    private ILogger? _logger;

    /// <summary>The kinds of Orleans connection, each with its own TLS pipeline.</summary>
    public enum Connection
    {
        /// <summary>Inbound on the silo port: another silo.</summary>
        SiloPort,

        /// <summary>Inbound on the gateway port: a node agent (an Orleans client).</summary>
        GatewayPort,

        /// <summary>Outbound to another silo's silo port.</summary>
        ToSilo,
    }

    /// <summary>Where refusals are logged; set once the host is built. Until then refusals are not logged.</summary>
    public void UseLogger(ILogger logger) => _logger = logger;

    /// <summary>The role a peer on <paramref name="connection"/> must have.</summary>
    public static ClusterRole ExpectedRole(Connection connection) => connection == Connection.GatewayPort ? ClusterRole.Agent : ClusterRole.Silo;

    /// <summary>
    /// True when <paramref name="certificate"/> chains to the cluster CA and carries the role <paramref name="connection"/>
    /// needs; otherwise logs why and returns false.
    /// </summary>
    public bool Accept(X509Certificate2 certificate, Connection connection)
    {
        if (!trust.IsTrusted(certificate, out var reason))
        {
            if (ShouldLog(certificate, connection) is { } logger)
            {
                ClusterTlsLog.PeerRefused(logger, reason, trust.AuthoritySubjects);
            }
            return false;
        }
        if (ClusterTrust.RoleProblem(certificate, ExpectedRole(connection)) is { } problem)
        {
            if (ShouldLog(certificate, connection) is { } logger)
            {
                ClusterTlsLog.PeerRoleRefused(logger, Describe(connection), problem, certificate.Thumbprint);
            }
            return false;
        }
        return true;
    }

    private static string Describe(Connection connection) => connection switch
    {
        Connection.SiloPort => "on the silo port",
        Connection.GatewayPort => "on the gateway port",
        _ => "to another silo",
    };

    private ILogger? ShouldLog(X509Certificate2 certificate, Connection connection)
    {
        if (_logger is not { } logger)
        {
            return null;
        }
        var now = DateTime.UtcNow;
        var key = (certificate.Thumbprint, connection);
        if (_lastLogged.TryGetValue(key, out var last) && now - last < LogInterval)
        {
            return null;
        }
        if (_lastLogged.Count >= MaxRemembered)
        {
            _lastLogged.Clear();
        }
        _lastLogged[key] = now;
        return logger;
    }
}
