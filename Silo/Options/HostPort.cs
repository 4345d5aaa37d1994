using System.Globalization;
using System.Net;

namespace Orvirt.Silo.Options;

/// <summary>A listening address written as <c>host:port</c>; host is an IP address, <c>localhost</c> or <c>*</c> (all interfaces).</summary>
public readonly record struct HostPort(string Host, int Port)
{
    /// <summary>Parses <c>127.0.0.1:5050</c>, <c>[::1]:5050</c>, <c>localhost:5050</c> or <c>*:5050</c>.</summary>
    public static bool TryParse(string? text, out HostPort value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }
        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }
        if (host is not ("*" or "localhost") && !IPAddress.TryParse(host, out _))
        {
            return false;
        }
        value = new HostPort(host, port);
        return true;
    }

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
