using Microsoft.Extensions.Options;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>Refuses agent settings that cannot work and says how to fix each.</summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AgentOptions o)
    {
        var failures = new List<string>();
        if (VmValidator.Dns1123LabelError(o.Node) is { } nodeError)
        {
            failures.Add($"--node / Agent:Node: {nodeError}; pass e.g. --node node-1");
        }
        if (o.Runtime is not ("process" or "test" or "auto"))
        {
            failures.Add($"--runtime / Agent:Runtime '{o.Runtime}' is not known; use process, test or auto");
        }
        if (string.IsNullOrWhiteSpace(o.PodsDirectory) || !Path.IsPathRooted(o.PodsDirectory))
        {
            failures.Add($"--pods / Agent:PodsDirectory '{o.PodsDirectory}' must be an absolute path, e.g. /var/lib/orvirt/pods");
        }
        else if (o.PodsDirectory.Length > 60)
        {
            failures.Add($"--pods / Agent:PodsDirectory is {o.PodsDirectory.Length} characters; keep it at most 60 so pod sockets stay under the 108-byte unix limit, e.g. /var/lib/orvirt/pods");
        }
        if (string.IsNullOrWhiteSpace(o.ImagesDirectory) || !Path.IsPathRooted(o.ImagesDirectory))
        {
            failures.Add($"--images / Agent:ImagesDirectory '{o.ImagesDirectory}' must be an absolute path, e.g. /var/lib/orvirt/images");
        }
        if (!TryParseGateways(o.Gateway, out _))
        {
            failures.Add($"--gateway / Agent:Gateway '{o.Gateway}' must be host:port with a port from 1 to 65535, or several separated by commas, e.g. 127.0.0.1:30000 or 10.0.0.1:30000,10.0.0.2:30000");
        }
        if (o.WarmPods is < 0 or > 64)
        {
            failures.Add($"--warm-pods / Agent:WarmPods {o.WarmPods} is outside 0 to 64; pass e.g. --warm-pods 2, or 0 to start every pod on demand");
        }
        if (o.Vcpus < 0)
        {
            failures.Add($"Agent:Vcpus {o.Vcpus} must be 0 (use the host's CPU count) or more");
        }
        if (o.MemoryBytes < 0)
        {
            failures.Add($"Agent:MemoryBytes {o.MemoryBytes} must be 0 (use MemTotal) or more");
        }
        if (o.HeartbeatInterval < TimeSpan.FromMilliseconds(100) || o.HeartbeatInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Agent:HeartbeatInterval {o.HeartbeatInterval} must be from 00:00:00.1 to 00:01:00; the default is 00:00:02");
        }
        if (o.ResyncInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Agent:ResyncInterval {o.ResyncInterval} must be at least 00:00:01; the default is 00:00:30");
        }
        if (o.ReportRefreshInterval < TimeSpan.FromSeconds(1) || o.ReportRefreshInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"Agent:ReportRefreshInterval {o.ReportRefreshInterval} must be from 00:00:01 to 1.00:00:00; the default is 00:10:00");
        }
        if (o.MaxParallelSyncs is < 1 or > 256)
        {
            failures.Add($"Agent:MaxParallelSyncs {o.MaxParallelSyncs} must be from 1 to 256; the default is 4");
        }
        if (o.PodStartTimeout < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Agent:PodStartTimeout {o.PodStartTimeout} must be at least 00:00:01; the default is 00:01:00");
        }
        if (Metrics.MetricsEndpoint.Error(o.MetricsEndpoint) is { } metricsError)
        {
            failures.Add(metricsError);
        }
        if (o.Tls.Enabled)
        {
            foreach (var (flag, env, value) in new[]
            {
                ("--tls-cert", "CERTIFICATEFILE", o.Tls.CertificateFile),
                ("--tls-key", "KEYFILE", o.Tls.KeyFile),
                ("--tls-ca", "CAFILE", o.Tls.CaFile),
            })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    failures.Add($"{flag} / ORVIRT_AGENT__TLS__{env} is missing: cluster TLS needs --tls-cert, --tls-key and --tls-ca together (or none of them). {AgentTlsOptions.Fix}");
                }
                else if (!File.Exists(value))
                {
                    failures.Add($"{flag} / ORVIRT_AGENT__TLS__{env} '{value}' does not exist; point it at an existing PEM file. {AgentTlsOptions.Fix}");
                }
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Parses a comma-separated list of <c>host:port</c> gateways (one or more; blanks around commas are ignored).</summary>
    public static bool TryParseGateways(string? value, out List<(string Host, int Port)> gateways)
    {
        gateways = [];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!TryParseGateway(part, out var host, out var port))
            {
                gateways.Clear();
                return false;
            }
            gateways.Add((host, port));
        }
        return true;
    }

    /// <summary>Parses <c>host:port</c>.</summary>
    public static bool TryParseGateway(string? value, out string host, out int port)
    {
        host = "";
        port = 0;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }
        host = value[..colon];
        return true;
    }
}
