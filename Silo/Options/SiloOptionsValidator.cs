using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Options;

/// <summary>Checks <see cref="SiloOptions"/>; each failure names the setting and how to fix it.</summary>
public sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add($"Orvirt:Mode '{options.Mode}' is unknown; set ORVIRT__MODE=Embedded or ORVIRT__MODE=Redis.");
        }
        CheckEndpoint("GrpcEndpoint", options.GrpcEndpoint, "127.0.0.1:5050", failures);
        CheckEndpoint("HttpEndpoint", options.HttpEndpoint, "127.0.0.1:8080", failures);
        CheckPort("SiloPort", options.SiloPort, 11111, failures);
        CheckPort("GatewayPort", options.GatewayPort, 30000, failures);
        if (failures.Count == 0)
        {
            var ports = new Dictionary<int, string>();
            foreach (var (setting, port) in new[]
            {
                ("GrpcEndpoint", HostPort.TryParse(options.GrpcEndpoint, out var g) ? g.Port : 0),
                ("HttpEndpoint", HostPort.TryParse(options.HttpEndpoint, out var h) ? h.Port : 0),
                ("SiloPort", options.SiloPort),
                ("GatewayPort", options.GatewayPort),
            })
            {
                if (!ports.TryAdd(port, setting))
                {
                    failures.Add($"Orvirt:{setting} and Orvirt:{ports[port]} both use port {port}; give each its own port, e.g. ORVIRT__{setting.ToUpperInvariant()}=...");
                }
            }
        }
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add("Orvirt:DataDirectory is empty; set ORVIRT__DATADIRECTORY (or ORVIRT_DATA_DIR) to a writable folder, e.g. /var/lib/orvirt.");
        }
        else if (options.DataDirectory.Any(char.IsControl))
        {
            failures.Add("Orvirt:DataDirectory contains control characters; set ORVIRT__DATADIRECTORY to a plain path, e.g. /var/lib/orvirt.");
        }
        if (options.Mode == OrvirtMode.Redis)
        {
            CheckRedis(options, failures);
        }
        if (string.IsNullOrWhiteSpace(options.ClusterId) || string.IsNullOrWhiteSpace(options.ServiceId))
        {
            failures.Add("Orvirt:ClusterId and Orvirt:ServiceId must not be empty; remove them to use the default 'orvirt'.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckRedis(SiloOptions options, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(options.Redis))
        {
            failures.Add("Orvirt:Mode is Redis but Orvirt:Redis is empty; set ORVIRT__REDIS to the Redis server, e.g. ORVIRT__REDIS=127.0.0.1:6379 (or set ORVIRT__MODE=Embedded for one silo with SQLite state).");
        }
        else
        {
            try
            {
                if (StackExchange.Redis.ConfigurationOptions.Parse(options.Redis).EndPoints.Count == 0)
                {
                    failures.Add("Orvirt:Redis names no server; set e.g. ORVIRT__REDIS=127.0.0.1:6379");
                }
            }
            catch (ArgumentException e)
            {
                // Not echoed: the connection string may hold a password.
                failures.Add($"Orvirt:Redis is not a Redis connection string ({e.Message}); set e.g. ORVIRT__REDIS=127.0.0.1:6379 (host:port[,password=...])");
            }
        }
        if (!string.IsNullOrWhiteSpace(options.AdvertisedAddress) && !System.Net.IPAddress.TryParse(options.AdvertisedAddress, out _))
        {
            failures.Add($"Orvirt:AdvertisedAddress '{options.AdvertisedAddress}' is not an IP address; set e.g. ORVIRT__ADVERTISEDADDRESS=10.0.0.5 (or remove it to use the host's first non-loopback address).");
        }
    }

    private static void CheckEndpoint(string setting, string? value, string example, List<string> failures)
    {
        if (!HostPort.TryParse(value, out _))
        {
            failures.Add($"Orvirt:{setting} '{value}' is not host:port with an IP address, 'localhost' or '*' and a port 1-65535; set e.g. ORVIRT__{setting.ToUpperInvariant()}={example}");
        }
    }

    private static void CheckPort(string setting, int value, int example, List<string> failures)
    {
        if (value is < 1 or > 65535)
        {
            failures.Add($"Orvirt:{setting} {value} is not a port 1-65535; set e.g. ORVIRT__{setting.ToUpperInvariant()}={example}");
        }
    }
}
