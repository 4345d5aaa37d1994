using System.Globalization;
using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Client.Connection;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Domain;
using Orvirt.Testing;
using Xunit.Abstractions;

namespace Orvirt.Resilience.Tests;

/// <summary>
/// A node whose agent stops answering (SIGSTOP) while its VMs keep running: one real silo with short heartbeat timeout
/// and fence grace, two real agents with process pods (private libvirtd + QEMU per VM). Checked through the gRPC API,
/// /proc and virsh on both nodes' pods.
/// </summary>
public sealed class NodeFailureTests(ITestOutputHelper output)
{
    private const int SigStop = 19;
    private const int SigCont = 18;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task AFrozenAgentsNodeIsFencedItsVmsFailOverAndOnResumeItDestroysItsStaleCopiesBeforeItIsReadyAgain()
    {
        var ns = $"fence-{_run}";
        var always = Enumerable.Range(1, 3).Select(i => new VmId(ns, $"always-{i}")).ToList();
        var manual = new VmId(ns, "manual-1");
        var all = always.Append(manual).ToList();
        var timeline = new FencingTimeline();
        SiloProcess? silo = null;
        AgentProcess? a = null;
        AgentProcess? b = null;
        OrvirtConnection? api = null;
        var frozen = false;
        try
        {
            silo = await SiloProcess.StartAsync(new SiloProcessOptions
            {
                Environment = new Dictionary<string, string>
                {
                    ["ORVIRT__CONTROLLER__NODEHEARTBEATTIMEOUT"] = "00:00:03",
                    ["ORVIRT__CONTROLLER__FENCEGRACEPERIOD"] = "00:00:03",
                },
            });
            api = OrvirtConnection.Create(silo.GrpcAddress);

            // Only node A at first, so that it holds every VM (the most).
            a = StartAgent(silo, $"fa-{_run}");
            await NodeAsync(api, a.Node, n => n.Ready, "Ready");
            foreach (var id in always)
            {
                await api.VirtualMachines.CreateAsync(Create(id, "Always"));
            }
            await api.VirtualMachines.CreateAsync(Create(manual, "Manual"));
            await api.VirtualMachines.StartAsync(new VmRef { Namespace = manual.Namespace, Name = manual.Name });
            var before = new Dictionary<VmId, VirtualMachine>();
            foreach (var id in all)
            {
                before[id] = await VmAsync(api, id, vm => vm.Status.PrintableStatus == "Running" && vm.Status.Node == a.Node, $"Running on {a.Node}");
            }
            var staleQemu = all.ToDictionary(id => id, id => Virsh.QemuPid(a.PodsDirectory, id)
                ?? throw new Xunit.Sdk.XunitException($"no running QEMU for {id} in {a.PodsDirectory}\n{Tails(silo, a, b)}"));

            b = StartAgent(silo, $"fb-{_run}");
            await NodeAsync(api, b.Node, n => n.Ready, "Ready");

            // Freeze node A's agent. Its pods and VMs keep running: they are the copies that must not survive.
            timeline.Start();
            a.Signal(SigStop);
            frozen = true;
            var notReady = await NodeAsync(api, a.Node, n => !n.Ready, "NotReady after missed heartbeats");
            timeline.Mark($"node NotReady ({notReady.Reason})");
            await NodeAsync(api, a.Node, n => n.Fenced, "fenced after the grace period");
            timeline.Mark("node fenced (VMs released)");
            var failed = await VmAsync(api, manual, vm => vm.Status.PrintableStatus == "Stopped", "Stopped after its node was fenced");
            var failure = Assert.Single(failed.Status.Conditions, c => c.Type == "Failure");
            Assert.Equal("NodeUnresponsive", failure.Reason);
            Assert.Equal("", failed.Status.Node);
            timeline.Mark("Manual VM Stopped (NodeUnresponsive)");
            foreach (var id in always)
            {
                await VmAsync(api, id,
                    vm => vm.Status.PrintableStatus == "Running" && vm.Status.Node == b.Node && vm.Status.InstanceId != before[id].Status.InstanceId,
                    $"Running on {b.Node} as a new instance (was {before[id].Status.InstanceId} on {a.Node})");
            }
            timeline.Mark($"{always.Count} Always VMs Running on the other node");
            // While the agent is frozen nothing removed its copies: the test below is not vacuous.
            Assert.All(staleQemu, kv => Assert.True(Orvirt.NodeAgent.Pods.ProcessTools.IsRunning(kv.Value, null),
                $"the stale QEMU of {kv.Key} (pid {kv.Value}) should still run while node A's agent is frozen"));

            a.Signal(SigCont);
            frozen = false;
            timeline.Mark("SIGCONT");
            TimeSpan? destroyedAt = null;
            TimeSpan? readyAt = null;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (destroyedAt is null || readyAt is null)
            {
                // Read the node first: a Ready seen while a stale QEMU still ran afterwards would be a violation too.
                var node = await NodeAsync(api, a.Node);
                var alive = staleQemu.Where(kv => Orvirt.NodeAgent.Pods.ProcessTools.IsRunning(kv.Value, null)).Select(kv => kv.Key.ToString()).ToList();
                if (node.Ready && alive.Count > 0)
                {
                    throw new Xunit.Sdk.XunitException($"node {a.Node} is Ready again while its stale copies still run: {string.Join(", ", alive)}\n{Tails(silo, a, b)}");
                }
                if (alive.Count == 0 && destroyedAt is null)
                {
                    destroyedAt = timeline.Mark("stale copies destroyed (QEMU processes gone)");
                }
                if (node.Ready && readyAt is null)
                {
                    Assert.False(node.Fenced, "a Ready node must not be fenced");
                    readyAt = timeline.Mark("node Ready again (cleanup confirmed)");
                }
                if (clock.Elapsed > Deadline)
                {
                    throw new Xunit.Sdk.XunitException($"after SIGCONT: stale copies still running [{string.Join(", ", alive)}], node Ready={node.Ready} Fenced={node.Fenced} Reason={node.Reason} after {Deadline.TotalSeconds} s\n{Tails(silo, a, b)}");
                }
                // Poll interval, bounded by the deadline above.
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }

            // At the end every VM runs exactly once, as libvirt on both nodes shows it, and the Manual one nowhere.
            var onA = await Virsh.RunningDomainsAsync(a.PodsDirectory);
            var onB = await Virsh.RunningDomainsAsync(b.PodsDirectory);
            Assert.True(onA.Count == 0, $"node {a.Node} should run no domain after the fence, yet runs: {string.Join(", ", onA)}");
            Assert.Empty(Virsh.PodFolders(a.PodsDirectory));
            Assert.Equal(always.Select(DomainNames.DomainName).Order(StringComparer.Ordinal), onB.Order(StringComparer.Ordinal));
            foreach (var id in always)
            {
                var vm = await GetAsync(api, id);
                Assert.Equal(("Running", b.Node), (vm.Status.PrintableStatus, vm.Status.Node));
            }
            Assert.Equal("Stopped", (await GetAsync(api, manual)).Status.PrintableStatus);

            var table = timeline.ToMarkdown();
            output.WriteLine(table);
            output.WriteLine("agent A on the fence:");
            foreach (var line in a.Output.Split('\n').Where(l => l.Contains($"node {a.Node}:", StringComparison.Ordinal)))
            {
                output.WriteLine(line);
            }
            timeline.WriteTo(Path.Combine(RepositoryRoot.Find(), "bench", "RESULTS.md"), Preamble());
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException && silo is not null)
        {
            throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message}\n{timeline.ToMarkdown()}\n{Tails(silo, a, b)}");
        }
        finally
        {
            if (frozen)
            {
                a!.Signal(SigCont);
            }
            api?.Dispose();
            if (b is not null)
            {
                await b.DisposeAsync();
            }
            if (a is not null)
            {
                await a.DisposeAsync();
            }
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static AgentProcess StartAgent(SiloProcess silo, string node) =>
        AgentProcess.Start(new AgentProcessOptions
        {
            GatewayPort = silo.GatewayPort,
            Node = node,
            Runtime = "process",
            Vcpus = 16,
            MemoryBytes = 16L << 30,
            // Well inside the silo's 3 s heartbeat timeout.
            Environment = new Dictionary<string, string> { ["ORVIRT_AGENT__HEARTBEATINTERVAL"] = "00:00:00.500" },
        });

    private static CreateRequest Create(VmId id, string runStrategy) => new()
    {
        Namespace = id.Namespace,
        Name = id.Name,
        Spec = new VirtualMachineSpec
        {
            RunStrategy = runStrategy,
            Cpu = new Cpu { Sockets = 1, Cores = 1, Threads = 1 },
            Memory = "64Mi",
            TerminationGracePeriodSeconds = 0,
        },
    };

    private static async Task<Node> NodeAsync(OrvirtConnection api, string name)
    {
        var nodes = await api.Nodes.ListAsync(new ListNodesRequest());
        return nodes.Items.FirstOrDefault(n => n.Name == name) ?? throw new InvalidOperationException($"node {name} is not listed");
    }

    private static Task<Node> NodeAsync(OrvirtConnection api, string name, Func<Node, bool> condition, string what) =>
        Eventually.MatchAsync(() => NodeAsync(api, name), condition, $"node {name} {what}", Deadline);

    private static Task<VirtualMachine> GetAsync(OrvirtConnection api, VmId id) =>
        api.VirtualMachines.GetAsync(new GetRequest { Namespace = id.Namespace, Name = id.Name }).ResponseAsync;

    private static Task<VirtualMachine> VmAsync(OrvirtConnection api, VmId id, Func<VirtualMachine, bool> condition, string what) =>
        Eventually.MatchAsync(() => GetAsync(api, id), condition, $"VM {id} {what}", Deadline);

    private static string Preamble() =>
        "Command: `dotnet test tests/Resilience.Tests --filter FullyQualifiedName~NodeFailure --logger \"console;verbosity=detailed\"`\n" +
        "(test `AFrozenAgentsNodeIsFencedItsVmsFailOverAndOnResumeItDestroysItsStaleCopiesBeforeItIsReadyAgain`: one silo with\n" +
        "`Orvirt:Controller:NodeHeartbeatTimeout` 3 s and `FenceGracePeriod` 3 s, two agents with process pods and a 0.5 s\n" +
        "heartbeat; 3 `Always` VMs and 1 started `Manual` VM of 64 MiB on node A; node A's agent frozen with SIGSTOP, resumed\n" +
        "with SIGCONT once the VMs ran on node B). \"Destroyed\" means every QEMU of node A's old runs had exited (by pid);\n" +
        "the node was never seen Ready while one still ran. Measured " +
        DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + $" on {Environment.ProcessorCount} cores, load average {LoadAverage()}.";

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string Tails(SiloProcess? silo, AgentProcess? a, AgentProcess? b) =>
        $"--- silo ---\n{Tail(silo?.Output)}\n--- agent A ---\n{Tail(a?.Output)}\n--- agent B ---\n{Tail(b?.Output)}";

    private static string Tail(string? text, int lines = 40)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "(nothing)";
        }
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}
