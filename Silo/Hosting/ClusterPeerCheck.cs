using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Hosting;

/// <summary>
/// Decides whether a peer's certificate on an Orleans connection is from the cluster CA, and logs each refused certificate
/// (at most once a minute per subject, so a client that keeps retrying does not flood the log).
/// </summary>
public sealed class ClusterPeerCheck(ClusterTrust trust)
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);
    private const int MaxRemembered = 1024;
    private readonly ConcurrentDictionary<string, DateTime> _lastLogged = new(StringComparer.Ordinal);
    private ILogger? _logger;

    /// <summary>Where refusals are logged; set once the host is built. Until then refusals are not logged.</summary>
    public void UseLogger(ILogger logger) => _logger = logger;

    /// <summary>True when <paramref name="certificate"/> chains to the cluster CA; otherwise logs why and returns false.</summary>
    public bool Accept(X509Certificate2 certificate)
    {
        if (trust.IsTrusted(certificate, out var reason))
        {
            return true;
        }
        if (_logger is { } logger)
        {
            var now = DateTime.UtcNow;
            var subject = certificate.Subject;
            if (!_lastLogged.TryGetValue(subject, out var last) || now - last >= LogInterval)
            {
                if (_lastLogged.Count >= MaxRemembered)
                {
                    _lastLogged.Clear();
                }
                _lastLogged[subject] = now;
                ClusterTlsLog.PeerRefused(logger, reason, trust.AuthoritySubjects);
            }
        }
        return false;
    }
}
