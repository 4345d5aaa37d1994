using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Orvirt.Api.V1;
using Orvirt.Client.Connection;
using Orvirt.Testing;

namespace Orvirt.Security.Tests;

/// <summary>
/// Mutual TLS on the Orleans connections: with cluster TLS on the silo, only a node agent whose certificate comes from the
/// cluster CA can reach the gateway and register a node; a silo that listens beyond loopback refuses to start without it.
/// </summary>
public sealed class ClusterTlsTests
{
    [Fact]
    public async Task AnAgentWithACertificateFromTheClusterCaRegistersAndRunsAVm()
    {
        // The script, so that it cannot rot: the files the README tells users to make are the ones that work.
        using var certs = await ClusterCertificates.FromScriptAsync("--silo", "silo", "--agent", "node-tls");
        await using var silo = await SiloProcess.StartAsync(new SiloProcessOptions { Environment = certs.SiloEnvironment("silo") });
        await using var agent = AgentProcess.Start(new AgentProcessOptions
        {
            GatewayPort = silo.GatewayPort,
            Node = "node-tls",
            ExtraArguments = certs.AgentArguments("node-tls"),
        });
        using var connection = OrvirtConnection.Create(silo.GrpcAddress);

        await Eventually.MatchAsync(
            async () => (await connection.Nodes.ListAsync(new ListNodesRequest())).Items.Where(n => n.Ready).Select(n => n.Name).ToList(),
            ready => ready.Contains("node-tls"),
            $"node-tls Ready over cluster TLS. Agent:\n{agent.Output}\nSilo:\n{silo.Output}",
            TimeSpan.FromSeconds(60));
        await connection.VirtualMachines.CreateAsync(new CreateRequest
        {
            Namespace = "default",
            Name = "vm-over-tls",
            Spec = new VirtualMachineSpec { RunStrategy = "Always", Memory = "64Mi", Cpu = new Cpu { Sockets = 1, Cores = 1, Threads = 1 } },
        });
        var vm = await Eventually.MatchAsync(
            async () => (await connection.VirtualMachines.GetAsync(new GetRequest { Namespace = "default", Name = "vm-over-tls" })).Status,
            s => s.PrintableStatus == "Running",
            "default/vm-over-tls Running on node-tls",
            TimeSpan.FromSeconds(60));

        Assert.Equal("node-tls", vm.Node);
        Assert.Contains("Cluster TLS: Orleans silo and gateway connections require a certificate from the cluster CA", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentsWithoutACertificateOrWithOneFromAnotherCaNeverRegisterAndSayWhy()
    {
        using var certs = ClusterCertificates.Create(silos: ["silo"], agents: ["node-good"]);
        // Another cluster altogether: its agent trusts only its own CA, so it refuses our silo first.
        using var otherCluster = ClusterCertificates.Create(agents: ["node-other"]);
        certs.SelfSigned("node-rogue", ClusterCertificates.Agent);
        // The rogue agent trusts the cluster CA (so it accepts the silo) and its own self-signed certificate (so that its start-up
        // check passes): only the silo's check stands between it and the gateway.
        var rogueCa = Path.Combine(certs.Folder, "rogue-bundle.crt");
        await File.WriteAllTextAsync(rogueCa, await File.ReadAllTextAsync(certs.CaFile) + "\n" + await File.ReadAllTextAsync(certs.CertificateFile("node-rogue")));
        await using var silo = await SiloProcess.StartAsync(new SiloProcessOptions { Environment = certs.SiloEnvironment("silo") });
        var gateway = $"127.0.0.1:{silo.GatewayPort}";
        await using var noCertificate = AgentProcess.Start(new AgentProcessOptions { GatewayPort = silo.GatewayPort, Node = "node-nocert" });
        await using var rogue = AgentProcess.Start(new AgentProcessOptions
        {
            GatewayPort = silo.GatewayPort,
            Node = "node-rogue",
            ExtraArguments = certs.AgentArguments("node-rogue", rogueCa),
        });

        await using var other = AgentProcess.Start(new AgentProcessOptions
        {
            GatewayPort = silo.GatewayPort,
            Node = "node-other",
            ExtraArguments = otherCluster.AgentArguments("node-other"),
        });

        // Positive signals that each bad agent tried and was turned away: its one-line diagnosis, and the silo's refusal.
        await Eventually.MatchAsync(
            () => Task.FromResult(noCertificate.Output),
            o => o.Contains($"gateway {gateway} requires cluster TLS and this agent has no certificate", StringComparison.Ordinal),
            $"the agent without a certificate to log why it cannot join. Its output:\n{noCertificate.Output}",
            TimeSpan.FromSeconds(60));
        await Eventually.MatchAsync(
            () => Task.FromResult(rogue.Output),
            o => o.Contains($"gateway {gateway} refused our certificate 'CN=node-rogue, OU=orvirt-agent': it must be signed by the cluster CA", StringComparison.Ordinal),
            $"the agent with a self-signed certificate to log that the gateway refused it. Its output:\n{rogue.Output}",
            TimeSpan.FromSeconds(60));
        await Eventually.MatchAsync(
            () => Task.FromResult(other.Output),
            o => o.Contains($"gateway {gateway} presented a certificate not signed by our cluster CA (--tls-ca): 'CN=silo, OU=orvirt-silo'", StringComparison.Ordinal),
            $"the agent of another cluster to log that the gateway's certificate is not from its CA. Its output:\n{other.Output}",
            TimeSpan.FromSeconds(60));
        await Eventually.MatchAsync(
            () => Task.FromResult(silo.Output),
            o => o.Contains("Refused an Orleans connection: the peer's certificate 'CN=node-rogue, OU=orvirt-agent'", StringComparison.Ordinal),
            "the silo to log that it refused CN=node-rogue",
            TimeSpan.FromSeconds(30));
        // A good agent on the same silo registers: the gateway works, it only turns away the bad ones.
        await using var good = AgentProcess.Start(new AgentProcessOptions
        {
            GatewayPort = silo.GatewayPort,
            Node = "node-good",
            ExtraArguments = certs.AgentArguments("node-good"),
        });
        using var connection = OrvirtConnection.Create(silo.GrpcAddress);
        var nodes = await Eventually.MatchAsync(
            async () => (await connection.Nodes.ListAsync(new ListNodesRequest())).Items.Select(n => $"{n.Name}{(n.Ready ? "" : " (not ready)")}").Order().ToList(),
            n => n.Contains("node-good"),
            $"node-good to register. Its output:\n{good.Output}",
            TimeSpan.FromSeconds(60));

        Assert.Equal(["node-good"], nodes);
        Assert.False(noCertificate.HasExited, $"the agent without a certificate exited instead of retrying:\n{noCertificate.Output}");
        Assert.False(rogue.HasExited, $"the rogue agent exited instead of retrying:\n{rogue.Output}");
        Assert.False(other.HasExited, $"the other cluster's agent exited instead of retrying:\n{other.Output}");
        Assert.DoesNotContain("registered (epoch", other.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("registered (epoch", noCertificate.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("registered (epoch", rogue.Output, StringComparison.Ordinal);
        Assert.False(silo.HasExited);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var health = await http.GetAsync(new Uri(silo.HttpAddress, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task AgentsWithASiloCertificateOrOneWithoutARoleAreRefusedByTheGatewayAndBothSidesSayWhichCertificateToMake()
    {
        using var certs = ClusterCertificates.Create(silos: ["silo"], agents: ["node-good"]);
        // A silo certificate handed to a node, and a certificate as the script made them before roles existed.
        certs.Issue("node-silo-cert", ClusterCertificates.Silo);
        certs.Issue("node-old", ClusterCertificates.NoRole);
        await using var silo = await SiloProcess.StartAsync(new SiloProcessOptions { Environment = certs.SiloEnvironment("silo") });
        var gateway = $"127.0.0.1:{silo.GatewayPort}";
        await using var withSiloCertificate = AgentProcess.Start(new AgentProcessOptions
        {
            GatewayPort = silo.GatewayPort,
            Node = "node-silo-cert",
            ExtraArguments = certs.AgentArguments("node-silo-cert"),
        });
        await using var old = AgentProcess.Start(new AgentProcessOptions
        {
            GatewayPort = silo.GatewayPort,
            Node = "node-old",
            ExtraArguments = certs.AgentArguments("node-old"),
        });

        await Eventually.MatchAsync(
            () => Task.FromResult(withSiloCertificate.Output),
            o => o.Contains($"gateway {gateway} refused our certificate: 'CN=node-silo-cert, OU=orvirt-silo' is a silo certificate, used as a node agent: a node must not hold a silo certificate (it could join the cluster as a silo and host grains); make an agent certificate with scripts/cluster-certs.sh OUTDIR --agent NODE", StringComparison.Ordinal),
            $"the agent with a silo certificate to log that the gateway refused it for its role. Its output:\n{withSiloCertificate.Output}",
            TimeSpan.FromSeconds(60));
        await Eventually.MatchAsync(
            () => Task.FromResult(old.Output),
            o => o.Contains($"gateway {gateway} refused our certificate: 'CN=node-old' has no role", StringComparison.Ordinal)
                && o.Contains("scripts/cluster-certs.sh OUTDIR --agent NODE", StringComparison.Ordinal),
            $"the agent with a certificate without a role to log that the gateway refused it and how to re-issue it. Its output:\n{old.Output}",
            TimeSpan.FromSeconds(60));
        await Eventually.MatchAsync(
            () => Task.FromResult(silo.Output),
            o => o.Contains("Refused an Orleans connection on the gateway port: the peer's certificate 'CN=node-silo-cert, OU=orvirt-silo' is a silo certificate, used as a node agent", StringComparison.Ordinal)
                && o.Contains("Refused an Orleans connection on the gateway port: the peer's certificate 'CN=node-old' has no role", StringComparison.Ordinal),
            $"the silo to log both refusals with the certificate each agent presented. Silo:\n{silo.Output}",
            TimeSpan.FromSeconds(30));
        // The gateway works for a node agent certificate.
        await using var good = AgentProcess.Start(new AgentProcessOptions
        {
            GatewayPort = silo.GatewayPort,
            Node = "node-good",
            ExtraArguments = certs.AgentArguments("node-good"),
        });
        using var connection = OrvirtConnection.Create(silo.GrpcAddress);
        var nodes = await Eventually.MatchAsync(
            async () => (await connection.Nodes.ListAsync(new ListNodesRequest())).Items.Select(n => n.Name).Order().ToList(),
            n => n.Contains("node-good"),
            $"node-good to register. Its output:\n{good.Output}",
            TimeSpan.FromSeconds(60));

        Assert.Equal(["node-good"], nodes);
        Assert.DoesNotContain("registered (epoch", withSiloCertificate.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("registered (epoch", old.Output, StringComparison.Ordinal);
        Assert.False(withSiloCertificate.HasExited, $"the agent with a silo certificate exited instead of retrying:\n{withSiloCertificate.Output}");
    }

    [Fact]
    public async Task AnAgentRefusesAGatewayThatPresentsANodeAgentCertificateAndSaysItIsNotASilo()
    {
        using var certs = ClusterCertificates.Create(agents: ["node-a", "node-thief"]);
        // A rogue "gateway" run with a stolen node certificate from the same CA: everything but the role is right.
        await using var rogue = RogueGateway.Start(certs.CertificateFile("node-thief"), certs.KeyFile("node-thief"));
        var gateway = $"127.0.0.1:{rogue.Port}";
        await using var agent = AgentProcess.Start(new AgentProcessOptions
        {
            GatewayPort = rogue.Port,
            Node = "node-a",
            ExtraArguments = certs.AgentArguments("node-a"),
        });

        await Eventually.MatchAsync(
            () => Task.FromResult(agent.Output),
            o => o.Contains($"gateway {gateway} is not a silo: its certificate 'CN=node-thief, OU=orvirt-agent' is a node agent certificate, used as a silo: make a silo certificate with scripts/cluster-certs.sh OUTDIR --silo NAME", StringComparison.Ordinal),
            $"the agent to log that the gateway's certificate is a node's. Its output:\n{agent.Output}",
            TimeSpan.FromSeconds(60));

        // The agent tried (the rogue saw handshakes) but never sent a byte of Orleans traffic over one.
        Assert.True(rogue.Handshakes > 0, "the agent never reached the rogue gateway");
        Assert.Equal(0, rogue.ApplicationBytes);
        Assert.DoesNotContain("registered (epoch", agent.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ClusterCertificates.Agent, "'CN=silo, OU=orvirt-agent' is a node agent certificate, used as a silo: make a silo certificate with scripts/cluster-certs.sh OUTDIR --silo NAME")]
    [InlineData(ClusterCertificates.NoRole, "'CN=silo' has no role (exactly one of OU=orvirt-silo or OU=orvirt-agent in its subject; certificates made before roles existed have none, re-issue them), used as a silo: make a silo certificate with scripts/cluster-certs.sh OUTDIR --silo NAME")]
    public async Task ASiloWhoseCertificateIsNotASiloCertificateRefusesToStartSayingWhichToMake(string role, string problem)
    {
        using var certs = ClusterCertificates.Create();
        certs.Issue("silo", role);

        var (code, error) = await RunSiloAsync(certs.SiloEnvironment("silo"));

        Assert.True(code == 2, $"exit code {code}; output: {error}");
        Assert.Contains($"ORVIRT__CLUSTERTLS__CERTIFICATEFILE '{certs.CertificateFile("silo")}': {problem}", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("")]
    public async Task ARedisSiloListeningBeyondLoopbackWithoutClusterTlsRefusesToStartSayingHowToConfigureIt(string advertised)
    {
        var (code, error) = await RunSiloAsync(new Dictionary<string, string>
        {
            ["ORVIRT__MODE"] = "Redis",
            // Nothing listens there: the TLS rule is checked whether or not Redis answers.
            ["ORVIRT__REDIS"] = $"127.0.0.1:{FreePort()}",
            ["ORVIRT__ADVERTISEDADDRESS"] = advertised,
        });

        Assert.True(code == 2, $"exit code {code}; output: {error}");
        Assert.Contains("Orvirt:ClusterTls is required because the Orleans silo port", error, StringComparison.Ordinal);
        Assert.Contains("scripts/cluster-certs.sh", error, StringComparison.Ordinal);
        Assert.Contains("ORVIRT__CLUSTERTLS__CAFILE=", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARedisSiloListeningBeyondLoopbackWithClusterTlsPassesTheTlsRule()
    {
        using var certs = ClusterCertificates.Create(silos: ["silo"]);
        var environment = certs.SiloEnvironment("silo");
        environment["ORVIRT__MODE"] = "Redis";
        environment["ORVIRT__REDIS"] = $"127.0.0.1:{FreePort()}";
        environment["ORVIRT__ADVERTISEDADDRESS"] = "10.0.0.5";

        var (code, error) = await RunSiloAsync(environment);

        // It still stops, on the Redis that does not answer, but not on cluster TLS.
        Assert.True(code == 2, $"exit code {code}; output: {error}");
        Assert.Contains("cannot be reached", error, StringComparison.Ordinal);
        Assert.DoesNotContain("ClusterTls", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASiloWithOnlyPartOfTheClusterTlsFilesRefusesToStartNamingTheMissingOne()
    {
        using var certs = ClusterCertificates.Create(silos: ["silo"]);
        var (code, error) = await RunSiloAsync(new Dictionary<string, string>
        {
            ["ORVIRT__CLUSTERTLS__CERTIFICATEFILE"] = certs.CertificateFile("silo"),
            ["ORVIRT__CLUSTERTLS__CAFILE"] = certs.CaFile,
        });

        Assert.True(code == 2, $"exit code {code}; output: {error}");
        Assert.Contains("ORVIRT__CLUSTERTLS__KEYFILE is not set", error, StringComparison.Ordinal);
        Assert.DoesNotContain("ORVIRT__CLUSTERTLS__CAFILE is not set", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASiloWhoseCertificateIsNotFromItsCaRefusesToStart()
    {
        using var certs = ClusterCertificates.Create();
        certs.SelfSigned("silo", ClusterCertificates.Silo);
        var (code, error) = await RunSiloAsync(certs.SiloEnvironment("silo"));

        Assert.True(code == 2, $"exit code {code}; output: {error}");
        Assert.Contains($"ORVIRT__CLUSTERTLS__CERTIFICATEFILE '{certs.CertificateFile("silo")}' is not signed by the CA in ORVIRT__CLUSTERTLS__CAFILE", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAgentWithOnlyACertificateAndNoKeyRefusesToStartNamingTheFlag()
    {
        using var certs = ClusterCertificates.Create(agents: ["node-1"]);
        var (code, error) = await RunAgentAsync(["--tls-cert", certs.CertificateFile("node-1"), "--tls-ca", certs.CaFile]);

        Assert.True(code == 2, $"exit code {code}; output: {error}");
        Assert.Contains("--tls-key / ORVIRT_AGENT__TLS__KEYFILE is missing", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAgentWhoseKeyDoesNotMatchItsCertificateRefusesToStart()
    {
        using var certs = ClusterCertificates.Create(agents: ["node-1", "node-2"]);
        var (code, error) = await RunAgentAsync(["--tls-cert", certs.CertificateFile("node-1"), "--tls-key", certs.KeyFile("node-2"), "--tls-ca", certs.CaFile]);

        Assert.True(code == 2, $"exit code {code}; output: {error}");
        Assert.Contains($"--tls-cert '{certs.CertificateFile("node-1")}' and --tls-key '{certs.KeyFile("node-2")}' are not a PEM certificate and its private key", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAgentHelpDocumentsTheTlsFlags()
    {
        var (code, output) = await RunAgentAsync(["--help"]);

        Assert.Equal(0, code);
        foreach (var flag in new[] { "--tls-cert FILE", "--tls-key FILE", "--tls-ca FILE", "ORVIRT_AGENT__TLS__CERTIFICATEFILE", "scripts/cluster-certs.sh" })
        {
            Assert.Contains(flag, output, StringComparison.Ordinal);
        }
    }

    /// <summary>Runs the silo with free loopback ports and <paramref name="environment"/> until it exits (it must refuse to start).</summary>
    private static async Task<(int Code, string Output)> RunSiloAsync(Dictionary<string, string> environment)
    {
        var data = Directory.CreateTempSubdirectory("orvirt-ctls-").FullName;
        try
        {
            var psi = Start(BuiltDll.Locate("Silo", "Orvirt.Silo.csproj", "orvirt-silo.dll", "ORVIRT_SILO_DLL"), []);
            psi.WorkingDirectory = data;
            psi.Environment["ORVIRT__DATADIRECTORY"] = data;
            psi.Environment["ORVIRT__GRPCENDPOINT"] = $"127.0.0.1:{FreePort()}";
            psi.Environment["ORVIRT__HTTPENDPOINT"] = $"127.0.0.1:{FreePort()}";
            psi.Environment["ORVIRT__SILOPORT"] = FreePort().ToString(CultureInfo.InvariantCulture);
            psi.Environment["ORVIRT__GATEWAYPORT"] = FreePort().ToString(CultureInfo.InvariantCulture);
            foreach (var (key, value) in environment)
            {
                psi.Environment[key] = value;
            }
            return await RunAsync(psi);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Runs the agent with <paramref name="arguments"/> until it exits (it must refuse to start, or print help).</summary>
    private static Task<(int Code, string Output)> RunAgentAsync(IReadOnlyList<string> arguments) =>
        RunAsync(Start(BuiltDll.Locate("NodeAgent", "Orvirt.NodeAgent.csproj", "orvirt-agent.dll", "ORVIRT_AGENT_DLL"), ["--node", "node-1", "--runtime", "test", "--gateway", $"127.0.0.1:{FreePort()}", .. arguments]));

    private static ProcessStartInfo Start(string dll, IReadOnlyList<string> arguments)
    {
        var psi = new ProcessStartInfo(BuiltDll.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Remove("KUBERNETES_SERVICE_HOST");
        return psi;
    }

    private static async Task<(int Code, string Output)> RunAsync(ProcessStartInfo psi)
    {
        var (code, stdout, stderr) = await ChildProcesses.RunToExitAsync(psi, TimeSpan.FromSeconds(120));
        return (code, stderr + stdout);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
