using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;
using Orvirt.NodeAgent.Metrics;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("""
        orvirt-agent: the Orvirt node agent. Runs one private libvirt "pod" per VM on this node and makes
        each VM's domain match the desired state its grain publishes on the node's stream.

        Usage: orvirt-agent [--node NAME] [--pods DIR] [--runtime process|test|auto] [--gateway HOST:PORT] [--images DIR]
                            [--metrics 127.0.0.1:PORT] [--warm-pods N] [--tls-cert FILE --tls-key FILE --tls-ca FILE]

          --node NAME          this node's name, a DNS-1123 label          (Agent:Node, default: host name)
          --pods DIR           where pods live; keep it short (<= 60 chars) (Agent:PodsDirectory, default /var/lib/orvirt/pods)
          --runtime KIND       process: private libvirtd + QEMU per VM     (Agent:Runtime, default auto)
                               test:    libvirt's test driver, no QEMU
                               auto:    process when libvirtd, QEMU and tini are installed
          --gateway HOST:PORT  the silo's Orleans gateway                  (Agent:Gateway, default 127.0.0.1:30000)
                               several silos: HOST:PORT,HOST:PORT,...
          --images DIR         base images for 'image' disks               (Agent:ImagesDirectory, default /var/lib/orvirt/images)
          --metrics HOST:PORT  serve Prometheus metrics on /metrics        (Agent:MetricsEndpoint, default empty = off)
                               (orvirt_workqueue_depth, orvirt_workqueue_latency_seconds);
                               IPv4 loopback or localhost only: it has no authentication yet
          --warm-pods N        process pods kept started ahead of need     (Agent:WarmPods, default 2; 0 = off)
                               (a new VM's pod is then a rename, not a libvirtd start)
          --tls-cert FILE      cluster TLS: this node's PEM agent          (Agent:Tls:CertificateFile, default none)
                               certificate (OU=orvirt-agent)
          --tls-key FILE       its PEM private key                         (Agent:Tls:KeyFile)
          --tls-ca FILE        the cluster CA (PEM) the silo's certificate (Agent:Tls:CaFile)
                               must chain to; all three or none. Required when the silo runs with
                               ORVIRT__CLUSTERTLS__*: its gateway accepts only agent certificates from
                               that CA, and the agent only a gateway with a silo certificate
                               (OU=orvirt-silo). Make them with scripts/cluster-certs.sh OUTDIR --agent NODE.

        Every setting can also come from the environment, e.g. ORVIRT_AGENT__NODE=node-1,
        or appsettings.json: Agent:HeartbeatInterval (00:00:02), Agent:ResyncInterval (00:00:30),
        Agent:ReportRefreshInterval (00:10:00: how long a periodic resync skips a VM that did not change),
        Agent:MaxParallelSyncs (4), Agent:FastGuestCpuCheck (true: libvirt checks a started guest's CPU with 2
        monitor queries instead of ~400; false: pods use libvirt's QEMU capabilities exactly as probed),
        Agent:Vcpus and Agent:MemoryBytes (0 = from the host), Agent:ClusterId and
        Agent:ServiceId (orvirt), ORVIRT_AGENT__TLS__CERTIFICATEFILE / __KEYFILE / __CAFILE (the --tls-* files).
        Run as root: pods need mount namespaces.
        """);
    return 0;
}

var builder = Host.CreateApplicationBuilder();
builder.Configuration.AddEnvironmentVariables("ORVIRT_");
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
{
    ["--node"] = "Agent:Node",
    ["--pods"] = "Agent:PodsDirectory",
    ["--runtime"] = "Agent:Runtime",
    ["--gateway"] = "Agent:Gateway",
    ["--images"] = "Agent:ImagesDirectory",
    ["--metrics"] = "Agent:MetricsEndpoint",
    ["--warm-pods"] = "Agent:WarmPods",
    ["--tls-cert"] = "Agent:Tls:CertificateFile",
    ["--tls-key"] = "Agent:Tls:KeyFile",
    ["--tls-ca"] = "Agent:Tls:CaFile",
});
var agentOptions = new AgentOptions();
builder.Configuration.GetSection(AgentOptions.Section).Bind(agentOptions);
var validation = new AgentOptionsValidator().Validate(null, agentOptions);
if (validation.Failed)
{
    Console.Error.WriteLine("orvirt-agent: invalid settings:");
    foreach (var failure in validation.Failures)
    {
        Console.Error.WriteLine("  " + failure);
    }
    Console.Error.WriteLine("Run orvirt-agent --help for the options.");
    return 2;
}
// Cluster TLS: the certificate and key must pair up and chain to the CA, checked here so that a mistake is one clear line.
ClusterTrust? clusterTrust = null;
if (agentOptions.Tls.Enabled)
{
    var tlsFailures = new List<string>();
    clusterTrust = ClusterTrust.TryLoad(
        agentOptions.Tls.CertificateFile,
        agentOptions.Tls.KeyFile,
        agentOptions.Tls.CaFile,
        ("--tls-cert", "--tls-key", "--tls-ca"),
        server: false,
        AgentTlsOptions.Fix,
        tlsFailures);
    if (clusterTrust is null)
    {
        Console.Error.WriteLine("orvirt-agent: invalid cluster TLS files:");
        foreach (var failure in tlsFailures)
        {
            Console.Error.WriteLine("  " + failure);
        }
        return 2;
    }
}
// Metrics before the Orleans client, whose start waits for a gateway: the listener serves while the agent connects.
builder.UseNodeAgentMetrics(agentOptions);
// The Orleans client first: it must be connected before the agent service makes its first call.
builder.UseNodeAgentClient(agentOptions, clusterTrust);
builder.Services.AddNodeAgent();

using var host = builder.Build();
await host.RunAsync();
return 0;
