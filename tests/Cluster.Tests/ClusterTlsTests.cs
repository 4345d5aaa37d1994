using Orvirt.Api.V1;
using Orvirt.Client.Connection;
using Orvirt.Testing;

namespace Orvirt.Cluster.Tests;

/// <summary>Silos on Redis with cluster TLS: they form one cluster over mutual TLS, and a silo without a cluster certificate cannot join it.</summary>
public sealed class ClusterTlsTests
{
    private const string MembersKey = "orvirt/members/orvirt";

    [Fact]
    public async Task TwoRedisSilosWithClusterTlsFormOneClusterThatAnAgentAndAVmUse()
    {
        using var certs = ClusterCertificates.Create(silos: ["silo-0", "silo-1"], agents: ["node-tls"]);
        await using var redis = await RedisServer.StartAsync();
        var ports = SiloPorts.Free(2);
        await using var silo0 = await StartSiloAsync(redis, ports[0], certs.SiloEnvironment("silo-0"));
        await using var silo1 = await StartSiloAsync(redis, ports[1], certs.SiloEnvironment("silo-1"));

        // Both Active in Orleans' membership table: they probed each other over TLS.
        await Eventually.MatchAsync(
            () => ActiveSiloPortsAsync(redis),
            active => active.Contains(ports[0].Silo) && active.Contains(ports[1].Silo),
            $"silos on ports {ports[0].Silo} and {ports[1].Silo} both Active. Silo 1:\n{silo1.Output}",
            TimeSpan.FromSeconds(60));
        await using var agent = AgentProcess.Start(new AgentProcessOptions
        {
            Node = "node-tls",
            GatewayPort = ports[1].Gateway,
            MoreGatewayPorts = [ports[0].Gateway],
            ExtraArguments = certs.AgentArguments("node-tls"),
        });
        using var through0 = OrvirtConnection.Create(silo0.GrpcAddress);
        using var through1 = OrvirtConnection.Create(silo1.GrpcAddress);
        await Eventually.MatchAsync(
            async () => (await through0.Nodes.ListAsync(new ListNodesRequest())).Items.Where(n => n.Ready).Select(n => n.Name).ToList(),
            ready => ready.Contains("node-tls"),
            $"node-tls Ready through silo 0. Agent:\n{agent.Output}",
            TimeSpan.FromSeconds(60));
        await through0.VirtualMachines.CreateAsync(new CreateRequest
        {
            Namespace = "default",
            Name = "vm-tls",
            Spec = new VirtualMachineSpec { RunStrategy = "Always", Memory = "64Mi", Cpu = new Cpu { Sockets = 1, Cores = 1, Threads = 1 } },
        });

        // The VM grain lives on one silo; the other reaches it over the silo-to-silo TLS connection.
        foreach (var (connection, silo) in new[] { (through0, "silo 0"), (through1, "silo 1") })
        {
            var status = await Eventually.MatchAsync(
                async () => (await connection.VirtualMachines.GetAsync(new GetRequest { Namespace = "default", Name = "vm-tls" })).Status,
                s => s.PrintableStatus == "Running",
                $"default/vm-tls Running as seen through {silo}",
                TimeSpan.FromSeconds(60));
            Assert.Equal("node-tls", status.Node);
        }
    }

    [Fact]
    public async Task ASiloWithACertificateFromAnotherCaIsRefusedByTheCluster()
    {
        using var certs = ClusterCertificates.Create(silos: ["silo-0"]);
        certs.SelfSigned("silo-rogue", ClusterCertificates.Silo);
        // The rogue silo trusts the cluster CA and itself, so its own checks pass; the cluster's check must stop it.
        var rogueCa = Path.Combine(certs.Folder, "rogue-bundle.crt");
        await File.WriteAllTextAsync(rogueCa, await File.ReadAllTextAsync(certs.CaFile) + "\n" + await File.ReadAllTextAsync(certs.CertificateFile("silo-rogue")));
        await using var redis = await RedisServer.StartAsync();
        var ports = SiloPorts.Free(2);
        await using var silo0 = await StartSiloAsync(redis, ports[0], certs.SiloEnvironment("silo-0"));
        var rogueEnvironment = certs.SiloEnvironment("silo-rogue");
        rogueEnvironment["ORVIRT__CLUSTERTLS__CAFILE"] = rogueCa;

        // The rogue silo never becomes healthy: it cannot talk to the cluster's silo. Its start is bounded by the fixture's timeout.
        var rogueStart = SiloProcess.StartAsync(new SiloProcessOptions
        {
            Ports = ports[1],
            Environment = RedisEnvironment(redis, rogueEnvironment),
            StartupTimeout = TimeSpan.FromSeconds(90),
        });
        try
        {
            await Eventually.MatchAsync(
                () => Task.FromResult(silo0.Output),
                o => o.Contains("Refused an Orleans connection: the peer's certificate 'CN=silo-rogue, OU=orvirt-silo'", StringComparison.Ordinal),
                $"silo 0 to refuse CN=silo-rogue. Silo 0:\n{silo0.Output}",
                TimeSpan.FromSeconds(90));

            var active = await ActiveSiloPortsAsync(redis);
            Assert.DoesNotContain(ports[1].Silo, active);
            Assert.Contains(ports[0].Silo, active);
            Assert.False(silo0.HasExited);
        }
        finally
        {
            // However the rogue start ended (refused, timed out, or in the unexpected case started), its process is stopped.
            try
            {
                await using var started = await rogueStart;
                Assert.Fail($"the rogue silo became healthy:\n{started.Output}");
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // Expected: it exited or never answered /healthz; the fixture has stopped it.
            }
        }
    }

    [Fact]
    public async Task ASiloPresentingANodeAgentCertificateIsRefusedOnTheSiloPortAndNeverBecomesActive()
    {
        // A stolen node certificate: signed by the cluster CA, so only its role tells it from a silo's.
        using var certs = ClusterCertificates.Create(silos: ["silo-0"], agents: ["node-thief"]);
        await using var redis = await RedisServer.StartAsync();
        var ports = SiloPorts.Free(2);
        await using var silo0 = await StartSiloAsync(redis, ports[0], certs.SiloEnvironment("silo-0"));
        await Eventually.MatchAsync(
            () => ActiveSiloPortsAsync(redis),
            active => active.Contains(ports[0].Silo),
            $"silo 0 on port {ports[0].Silo} Active. Silo 0:\n{silo0.Output}",
            TimeSpan.FromSeconds(60));

        await using var rogue = RogueSilo.Start(redis.ConnectionString, ports[1], certs.CertificateFile("node-thief"), certs.KeyFile("node-thief"));

        await Eventually.MatchAsync(
            () => Task.FromResult(silo0.Output),
            o => o.Contains("Refused an Orleans connection on the silo port: the peer's certificate 'CN=node-thief, OU=orvirt-agent' is a node agent certificate, used as a silo: make a silo certificate with scripts/cluster-certs.sh OUTDIR --silo NAME", StringComparison.Ordinal),
            $"silo 0 to refuse the node certificate on its silo port. Silo 0:\n{silo0.Output}",
            TimeSpan.FromSeconds(90));
        // Its join fails within Orleans' join time-out (or the cluster declares it dead first): it never became Active, and
        // so it hosts no grains.
        var outcome = await rogue.Outcome.WaitAsync(RogueSilo.JoinTimeout + TimeSpan.FromSeconds(90));

        Assert.NotEqual("joined", outcome);
        var active = await ActiveSiloPortsAsync(redis);
        Assert.DoesNotContain(ports[1].Silo, active);
        Assert.Contains(ports[0].Silo, active);
        Assert.False(silo0.HasExited);
    }

    private static Task<SiloProcess> StartSiloAsync(RedisServer redis, SiloPorts ports, Dictionary<string, string> tls) =>
        SiloProcess.StartAsync(new SiloProcessOptions { Ports = ports, Environment = RedisEnvironment(redis, tls) });

    private static Dictionary<string, string> RedisEnvironment(RedisServer redis, Dictionary<string, string> tls)
    {
        var environment = new Dictionary<string, string>(tls)
        {
            ["ORVIRT__MODE"] = "Redis",
            ["ORVIRT__REDIS"] = redis.ConnectionString,
            ["ORVIRT__ADVERTISEDADDRESS"] = "127.0.0.1",
        };
        return environment;
    }

    /// <summary>Silo ports whose membership entry says Active (<c>"Status":3</c>), from Orleans' table in Redis.</summary>
    private static async Task<List<int>> ActiveSiloPortsAsync(RedisServer redis)
    {
        var entries = await redis.CommandAsync(["HVALS", MembersKey]);
        var active = new List<int>();
        foreach (var entry in entries.Where(e => e.Contains("\"Status\":3,", StringComparison.Ordinal)))
        {
            var at = entry.IndexOf("\"127.0.0.1:", StringComparison.Ordinal);
            var end = at < 0 ? -1 : entry.IndexOf('@', at);
            if (end > 0 && int.TryParse(entry.AsSpan(at + 11, end - at - 11), out var port))
            {
                active.Add(port);
            }
        }
        return active;
    }
}
