using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Orvirt.KubeApiServer;

namespace Orvirt.Kubernetes.Tests;

/// <summary>
/// A silo that binds all interfaces refuses to start without a token file and cluster TLS, and an agent cannot reach a
/// TLS gateway without its own certificate. These tests check that the manifests and the compose file give every such
/// container those settings, each pointing into a mounted secret that holds the file.
/// </summary>
public sealed partial class SecretWiringTests
{
    /// <summary>The settings a container that binds beyond loopback needs.</summary>
    private static readonly string[] SiloSecrets =
    [
        "ORVIRT__HTTP__TOKENFILE",
        "ORVIRT__CLUSTERTLS__CERTIFICATEFILE",
        "ORVIRT__CLUSTERTLS__KEYFILE",
        "ORVIRT__CLUSTERTLS__CAFILE",
    ];

    /// <summary>The settings a node agent needs to reach a gateway that requires cluster TLS.</summary>
    private static readonly string[] AgentSecrets =
    [
        "ORVIRT_AGENT__TLS__CERTIFICATEFILE",
        "ORVIRT_AGENT__TLS__KEYFILE",
        "ORVIRT_AGENT__TLS__CAFILE",
    ];

    private static string ManifestsDir => KubeApiTestServer.FindRepoFile("manifests");

    [Fact]
    public void EveryManifestContainerBindingAllInterfacesHasTheTokenFileAndClusterTlsInAMountedSecret()
    {
        var checkedSilos = new List<string>();
        var checkedAgents = new List<string>();
        foreach (var file in Directory.GetFiles(ManifestsDir, "*.yaml"))
        {
            foreach (var doc in YamlJson.ReadDocuments(File.ReadAllText(file)))
            {
                // Workloads only: a VirtualMachine also has spec.template.spec, but no containers.
                if ((string?)doc["kind"] is not ("Deployment" or "StatefulSet" or "DaemonSet" or "Job" or "Pod")
                    || (doc["kind"]!.GetValue<string>() == "Pod" ? doc["spec"] : doc["spec"]?["template"]?["spec"]) is not JsonObject pod)
                {
                    continue;
                }
                var volumes = (pod["volumes"]?.AsArray() ?? []).ToDictionary(v => (string)v!["name"]!, v => v!);
                foreach (var container in pod["containers"]!.AsArray())
                {
                    var where = $"{Path.GetFileName(file)} {(string?)doc["kind"]} {(string?)doc["metadata"]!["name"]} container {(string?)container!["name"]}";
                    var env = (container["env"]?.AsArray() ?? [])
                        .Where(e => e!["value"] is not null)
                        .ToDictionary(e => (string)e!["name"]!, e => (string)e!["value"]!);
                    var mounts = (container["volumeMounts"]?.AsArray() ?? [])
                        .Select(m => (Path: (string)m!["mountPath"]!, Volume: (string)m["name"]!, ReadOnly: (bool?)m["readOnly"] ?? false)).ToList();
                    var required = new List<string>();
                    if (env.Values.Any(BindsAllInterfaces))
                    {
                        required.AddRange(SiloSecrets);
                        checkedSilos.Add(where);
                    }
                    if (env.Keys.Any(k => k.StartsWith("ORVIRT_AGENT__", StringComparison.Ordinal)))
                    {
                        required.AddRange(AgentSecrets);
                        checkedAgents.Add(where);
                    }
                    foreach (var setting in required)
                    {
                        Assert.True(env.TryGetValue(setting, out var path), $"{where} has no {setting}");
                        var mount = mounts.Where(m => path!.StartsWith(m.Path.TrimEnd('/') + "/", StringComparison.Ordinal))
                            .OrderByDescending(m => m.Path.Length).FirstOrDefault();
                        Assert.True(mount.Path is not null, $"{where}: {setting}={path} is not under any volumeMount ({string.Join(", ", mounts.Select(m => m.Path))})");
                        Assert.True(mount.ReadOnly, $"{where}: the mount {mount.Path} holding {setting} is not readOnly");
                        Assert.True(volumes.TryGetValue(mount.Volume, out var volume), $"{where}: volume {mount.Volume} is not declared");
                        var secret = volume!["secret"];
                        Assert.True(secret is not null, $"{where}: {setting} lives in volume {mount.Volume}, which is not a Secret");
                        var secretFile = path![(mount.Path.TrimEnd('/').Length + 1)..];
                        if (secret!["items"] is JsonArray items)
                        {
                            // With items only the listed keys appear, so the file must be one of them.
                            Assert.True(items.Any(i => (string?)i!["path"] == secretFile),
                                $"{where}: {setting}={path} but Secret {(string?)secret["secretName"]} projects only {string.Join(", ", items.Select(i => (string?)i!["path"]))}");
                        }
                    }
                }
            }
        }

        Assert.NotEmpty(checkedSilos);
        Assert.NotEmpty(checkedAgents);
    }

    [Fact]
    public void TheManifestsUseTheSecretsTheReadmeSaysHowToCreate()
    {
        var readme = File.ReadAllText(Path.Combine(ManifestsDir, "README.md"));
        var secretNames = Directory.GetFiles(ManifestsDir, "*.yaml").SelectMany(f => YamlJson.ReadDocuments(File.ReadAllText(f)))
            .Where(d => (string?)d["kind"] is "Deployment" or "StatefulSet" or "DaemonSet" or "Job")
            .Select(d => d["spec"]?["template"]?["spec"]?["volumes"]).OfType<JsonArray>()
            .SelectMany(v => v).Select(v => (string?)v!["secret"]?["secretName"]).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["orvirt-api-tokens", "orvirt-cluster-tls"], secretNames);
        foreach (var name in secretNames)
        {
            Assert.Contains($"create secret generic {name}", readme, StringComparison.Ordinal);
        }
        Assert.Contains("scripts/cluster-certs.sh", readme, StringComparison.Ordinal);
        // The README makes silo.crt a silo certificate and agent.crt an agent certificate, as silo.yaml and agent.yaml mount them.
        var call = ReadmeCertsCall().Match(readme);
        Assert.True(call.Success, "manifests/README.md does not run scripts/cluster-certs.sh DIR --silo NAME --agent NAME");
        var roles = Roles(call.Groups["names"].Value);
        Assert.Equal("silo", roles.GetValueOrDefault("silo"));
        Assert.Equal("agent", roles.GetValueOrDefault("agent"));
    }

    [Fact]
    public void EveryComposeServiceBindingAllInterfacesHasTheTokenFileAndClusterTlsFromTheInitVolume()
    {
        var compose = YamlJson.ReadSingle(File.ReadAllText(KubeApiTestServer.FindRepoFile("docker-compose.yml")));
        var services = compose["services"]!.AsObject();
        var init = services["init"]!;
        var initCommand = string.Join("\n", init["command"]!.AsArray().Select(c => (string?)c));
        var initVolume = Volumes(init).Single(v => v.Target == "/secrets").Source;
        // The names passed to cluster-certs.sh with their roles: NAME.crt and NAME.key are what it writes next to ca.crt.
        var roles = CertsCall().Match(initCommand) is { Success: true } call
            ? Roles(call.Groups["names"].Value)
            : throw new Xunit.Sdk.XunitException($"the init service does not run scripts/cluster-certs.sh OUTDIR --silo NAME --agent NAME:\n{initCommand}");
        var certNames = roles.Keys.ToHashSet(StringComparer.Ordinal);
        Assert.True(compose["volumes"]!.AsObject().ContainsKey(initVolume), $"the init volume {initVolume} is not a named volume");

        var checkedSilos = new List<string>();
        var checkedAgents = new List<string>();
        foreach (var (name, service) in services)
        {
            var env = (service!["environment"] as JsonObject ?? [])
                .ToDictionary(e => e.Key, e => e.Value?.ToString() ?? "");
            var required = new List<string>();
            if (env.Values.Any(BindsAllInterfaces))
            {
                required.AddRange(SiloSecrets);
                checkedSilos.Add(name);
            }
            if (env.Keys.Any(k => k.StartsWith("ORVIRT_AGENT__", StringComparison.Ordinal)))
            {
                required.AddRange(AgentSecrets);
                checkedAgents.Add(name);
            }
            if (required.Count == 0)
            {
                continue;
            }
            Assert.Equal("service_completed_successfully", (string?)service["depends_on"]?["init"]?["condition"]);
            var mount = Volumes(service).SingleOrDefault(v => v.Source == initVolume);
            Assert.True(mount.Target is not null, $"service {name} does not mount the {initVolume} volume");
            Assert.True(mount.ReadOnly, $"service {name} mounts {initVolume} writable; mount it :ro");
            foreach (var setting in required)
            {
                Assert.True(env.TryGetValue(setting, out var path), $"service {name} has no {setting}");
                Assert.True(path!.StartsWith(mount.Target + "/", StringComparison.Ordinal), $"service {name}: {setting}={path} is not under the secrets mount {mount.Target}");
                // Map back to where init writes: the token file, or tls/ca.crt and tls/NAME.{crt,key}.
                var relative = path[(mount.Target.Length + 1)..];
                var written = relative == "api-tokens"
                    ? initCommand.Contains("> /secrets/api-tokens", StringComparison.Ordinal) || initCommand.Contains("/secrets/api-tokens.new", StringComparison.Ordinal)
                    : relative.StartsWith("tls/", StringComparison.Ordinal) && (relative == "tls/ca.crt" || certNames.Contains(Path.GetFileNameWithoutExtension(relative)));
                Assert.True(written, $"service {name}: {setting}={path}, but the init service writes no {relative} (certificates for: {string.Join(", ", certNames)})");
            }
            // Silos present silo certificates and agents agent certificates: the other role is refused (and a node must not hold a silo's).
            foreach (var (setting, role) in new[] { ("ORVIRT__CLUSTERTLS__CERTIFICATEFILE", "silo"), ("ORVIRT_AGENT__TLS__CERTIFICATEFILE", "agent") })
            {
                if (env.TryGetValue(setting, out var certificate))
                {
                    var certName = Path.GetFileNameWithoutExtension(certificate);
                    Assert.True(roles.TryGetValue(certName, out var made) && made == role,
                        $"service {name}: {setting}={certificate} must be a {role} certificate (cluster-certs.sh --{role} {certName}), but init makes it {(made is null ? "not at all" : "with --" + made)}");
                }
            }
        }

        Assert.Equal(["silo1", "silo2"], checkedSilos.Order(StringComparer.Ordinal));
        Assert.Equal(["agent"], checkedAgents);
    }

    /// <summary>NAME to role ("silo" or "agent") from cluster-certs.sh arguments <c>--silo NAME --agent NAME ...</c>.</summary>
    private static Dictionary<string, string> Roles(string arguments)
    {
        var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var roles = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < words.Length; i++)
        {
            Assert.True(words[i] is "--silo" or "--agent" && i + 1 < words.Length, $"cluster-certs.sh arguments '{arguments}': '{words[i]}' is not --silo NAME or --agent NAME");
            roles[words[i + 1]] = words[i][2..];
            i++;
        }
        return roles;
    }

    // 0.0.0.0:PORT, *:PORT, [::]:PORT or +:PORT: reachable from other machines.
    private static bool BindsAllInterfaces(string value) => AllInterfaces().IsMatch(value);

    private static IEnumerable<(string Source, string Target, bool ReadOnly)> Volumes(JsonNode service) =>
        (service["volumes"]?.AsArray() ?? []).Select(v => (string)v!).Select(v =>
        {
            var parts = v.Split(':');
            return (parts[0], parts.Length > 1 ? parts[1] : parts[0], parts.Length > 2 && parts[2].Split(',').Contains("ro"));
        });

    [GeneratedRegex(@"^(0\.0\.0\.0|\*|\+|\[::\]):\d+$")]
    private static partial Regex AllInterfaces();

    [GeneratedRegex(@"cluster-certs\.sh\s+/secrets/tls\s+(?<names>[A-Za-z0-9 .-]+)")]
    private static partial Regex CertsCall();

    [GeneratedRegex(@"scripts/cluster-certs\.sh\s+\./cluster-tls\s+(?<names>[A-Za-z0-9 .-]+)")]
    private static partial Regex ReadmeCertsCall();
}
