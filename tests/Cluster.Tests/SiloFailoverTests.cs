using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Client.Connection;
using Orvirt.Testing;
using Xunit.Abstractions;

namespace Orvirt.Cluster.Tests;

/// <summary>
/// Issue 6 acceptance: three silos on Redis and two agents running 50 VMs (node-a on test pods, node-b on process pods with
/// real QEMU where installed, so that a few VMs run there). Killing a silo, and then restarting every silo one by one,
/// leaves every VM answering through the other silos with the same run on the same single node, and node-b's libvirt
/// domains, daemons and QEMU processes untouched.
/// </summary>
public sealed class SiloFailoverTests(ITestOutputHelper output)
{
    private const int VmCount = 50;
    private const string Namespace = "failover";
    private static readonly TimeSpan AnswerDeadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task KillingASiloAndRestartingEverySiloKeepsEveryVmAnsweringRunningOnceAndNotRestarted()
    {
        var timeline = new List<string>();
        // node-b runs real QEMU in process pods where libvirtd and QEMU are installed; test pods otherwise.
        var processPods = File.Exists("/usr/sbin/libvirtd") && File.Exists("/usr/bin/qemu-system-x86_64") && File.Exists("/usr/bin/tini");
        await using var cluster = await RedisCluster.StartAsync(processPods ? "process" : "test");
        try
        {
            // 50 VMs created through all three silos' gRPC endpoints, all running.
            var names = Enumerable.Range(0, VmCount).Select(i => $"vm-{i:00}").ToArray();
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, ct) =>
            {
                var index = int.Parse(name[3..], CultureInfo.InvariantCulture) % RedisCluster.SiloCount;
                using var connection = OrvirtConnection.Create(cluster.GrpcAddress(index));
                await connection.VirtualMachines.CreateAsync(Vm(name), cancellationToken: ct);
            });
            var before = await Eventually.MatchAsync(
                () => SnapshotAsync(cluster, [0, 1, 2], names),
                s => s.Count == VmCount && s.Values.All(v => v.PrintableStatus == "Running"),
                $"all {VmCount} VMs Running",
                TimeSpan.FromSeconds(90));
            var onB = before.Values.Count(v => v.Node == "node-b");
            timeline.Add($"{VmCount} VMs created and Running on 2 nodes ({onB} on node-b in {(processPods ? "process pods with QEMU" : "test pods")}): {clock.Elapsed.TotalSeconds:0.0} s");
            var podsBefore = await AssertEachVmRunsOnExactlyOneNodeAsync(cluster, before, "before any silo died");
            // The pod daemons and QEMU processes of node-b: a VM restarted or a pod recreated would change them.
            var nodeB = cluster.Agents.Single(a => a.Node == "node-b");
            var pidsBefore = string.Join(",", nodeB.PodProcessIds().Order());
            var domainsBefore = "";
            if (processPods)
            {
                Assert.True(onB > 0 && nodeB.PodProcessIds().Count >= 2 * onB,
                    $"node-b should run its {onB} VMs in process pods (a libvirtd and a QEMU each); pids: {pidsBefore}\n{cluster.Output}");
                domainsBefore = await RunningDomainsAsync(cluster, nodeB, onB, "before any silo died");
            }

            // kill -9 one silo: the others take over its grains.
            clock.Restart();
            await cluster.KillSiloAsync(1);
            var killed = clock.Elapsed;
            var declaredDead = Eventually.MatchAsync(
                async () => (await cluster.DeclaredDeadAsync(1), clock.Elapsed),
                d => d.Item1,
                "silo 1 marked Dead in the membership table in Redis",
                AnswerDeadline);
            var afterKill = await AllAnswerAsync(cluster, [0, 2], names, before, "after kill -9 of silo 1");
            var dead = (await declaredDead).Item2;
            timeline.Add($"kill -9 silo 1 (exited after {killed.TotalSeconds:0.0} s) → Dead in the membership table: {dead.TotalSeconds:0.0} s");
            timeline.Add($"kill -9 silo 1 → all {VmCount} VMs answer Get through silos 0 and 2 with unchanged runs: {(killed + afterKill).TotalSeconds:0.0} s");
            Assert.Equal(podsBefore, await AssertEachVmRunsOnExactlyOneNodeAsync(cluster, before, "after kill -9 of silo 1"));
            Assert.Equal(pidsBefore, string.Join(",", nodeB.PodProcessIds().Order()));
            if (processPods)
            {
                Assert.Equal(domainsBefore, await RunningDomainsAsync(cluster, nodeB, onB, "after kill -9 of silo 1"));
            }

            clock.Restart();
            await cluster.StartSiloAsync(1);
            timeline.Add($"silo 1 started again on its ports and healthy: {clock.Elapsed.TotalSeconds:0.0} s");

            // Rolling restart: each silo stops (SIGTERM) and comes back on the same ports before the next one goes.
            for (var i = 0; i < RedisCluster.SiloCount; i++)
            {
                var others = Enumerable.Range(0, RedisCluster.SiloCount).Where(j => j != i).ToArray();
                clock.Restart();
                await cluster.StopSiloAsync(i);
                var stopped = clock.Elapsed;
                var answering = await AllAnswerAsync(cluster, others, names, before, $"after stopping silo {i} in the rolling restart");
                clock.Restart();
                await cluster.StartSiloAsync(i);
                var started = clock.Elapsed;
                timeline.Add($"rolling: silo {i} stopped in {stopped.TotalSeconds:0.0} s, all VMs answer {answering.TotalSeconds:0.0} s after its exit, back healthy in {started.TotalSeconds:0.0} s");
            }
            await AllAnswerAsync(cluster, [0, 1, 2], names, before, "after the rolling restart, through every silo");
            Assert.Equal(podsBefore, await AssertEachVmRunsOnExactlyOneNodeAsync(cluster, before, "after the rolling restart"));
            Assert.Equal(pidsBefore, string.Join(",", nodeB.PodProcessIds().Order()));
            if (processPods)
            {
                Assert.Equal(domainsBefore, await RunningDomainsAsync(cluster, nodeB, onB, "after the rolling restart"));
            }

            // The restarted cluster still drives the agents: a stop reaches both nodes and a start runs the VM again.
            var onEachNode = before.Values.GroupBy(v => v.Node).Select(g => g.First().Name).ToArray();
            using var control = OrvirtConnection.Create(cluster.GrpcAddress(2));
            clock.Restart();
            foreach (var name in onEachNode)
            {
                await control.VirtualMachines.StopAsync(new StopRequest { Namespace = Namespace, Name = name, Force = true });
            }
            foreach (var name in onEachNode)
            {
                await Eventually.MatchAsync(
                    async () => (await control.VirtualMachines.GetAsync(new GetRequest { Namespace = Namespace, Name = name })).Status.PrintableStatus,
                    status => status == "Stopped",
                    $"{name} (on {before[name].Node}) Stopped after the rolling restart",
                    TimeSpan.FromSeconds(60));
            }
            timeline.Add($"after the rolling restart: stop of one VM per node → both Stopped: {clock.Elapsed.TotalSeconds:0.0} s");
            clock.Restart();
            foreach (var name in onEachNode)
            {
                await control.VirtualMachines.StartAsync(new VmRef { Namespace = Namespace, Name = name });
                var running = await Eventually.MatchAsync(
                    async () => await control.VirtualMachines.GetAsync(new GetRequest { Namespace = Namespace, Name = name }),
                    vm => vm.Status.PrintableStatus == "Running",
                    $"{name} Running again after the rolling restart",
                    TimeSpan.FromSeconds(60));
                Assert.NotEqual(before[name].InstanceId, running.Status.InstanceId);
            }
            timeline.Add($"after the rolling restart: start of both → Running with new instance ids: {clock.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            foreach (var line in timeline)
            {
                output.WriteLine(line);
            }
        }
    }

    /// <summary>
    /// Asks every process pod's libvirtd on <paramref name="node"/>: each runs exactly one domain and no domain runs in two
    /// pods. Returns the domain UUIDs, sorted and joined.
    /// </summary>
    private static async Task<string> RunningDomainsAsync(RedisCluster cluster, Orvirt.Testing.AgentProcess node, int expected, string phase)
    {
        var pods = cluster.PodsByNode()[node.Node];
        var domains = new List<string>();
        foreach (var pod in pods)
        {
            var running = await Virsh.RunningDomainsAsync(Path.Combine(node.PodsDirectory, pod));
            Assert.True(running.Count == 1, $"pod {pod} on {node.Node} runs {running.Count} domains {phase}: {string.Join(", ", running)}");
            domains.AddRange(running);
        }
        Assert.True(domains.Count == expected && domains.Distinct().Count() == expected,
            $"{node.Node} {phase}: {domains.Count} running domains ({domains.Distinct().Count()} distinct), expected {expected}");
        return string.Join(",", domains.Order(StringComparer.Ordinal));
    }

    private static CreateRequest Vm(string name) => new()
    {
        Namespace = Namespace,
        Name = name,
        Spec = new VirtualMachineSpec
        {
            RunStrategy = "Always",
            Memory = "64Mi",
            Cpu = new Cpu { Sockets = 1, Cores = 1, Threads = 1 },
        },
    };

    /// <summary>
    /// Polls until every VM answers Get through <paramref name="silos"/> (round robin) with the run it had before, within
    /// <see cref="AnswerDeadline"/>; returns how long that took.
    /// </summary>
    private static async Task<TimeSpan> AllAnswerAsync(RedisCluster cluster, int[] silos, string[] names, Dictionary<string, VmSnapshot> before, string phase)
    {
        var clock = Stopwatch.StartNew();
        var now = await Eventually.MatchAsync(
            () => SnapshotAsync(cluster, silos, names),
            s => s.Count == VmCount,
            $"every VM answering Get through silos {string.Join(",", silos)} {phase}",
            AnswerDeadline);
        var elapsed = clock.Elapsed;
        var changed = names.Where(n => now[n] != before[n]).Select(n => $"{n}: was {before[n]}, now {now[n]}").ToList();
        Assert.True(changed.Count == 0, $"{changed.Count} VMs changed {phase} (restarted, moved or not Running):\n{string.Join("\n", changed)}\n{cluster.Output}");
        return elapsed;
    }

    /// <summary>One Get per VM, spread over <paramref name="silos"/>; VMs whose call failed are missing from the result.</summary>
    private static async Task<Dictionary<string, VmSnapshot>> SnapshotAsync(RedisCluster cluster, int[] silos, string[] names)
    {
        var connections = silos.Select(i => OrvirtConnection.Create(cluster.GrpcAddress(i))).ToArray();
        try
        {
            var results = await Task.WhenAll(names.Select(async (name, i) =>
            {
                try
                {
                    var vm = await connections[i % connections.Length].VirtualMachines.GetAsync(
                        new GetRequest { Namespace = Namespace, Name = name },
                        deadline: DateTime.UtcNow.AddSeconds(3));
                    return VmSnapshot.Of(vm);
                }
                catch (RpcException)
                {
                    return null;
                }
            }));
            return results.OfType<VmSnapshot>().ToDictionary(s => s.Name);
        }
        finally
        {
            foreach (var c in connections)
            {
                c.Dispose();
            }
        }
    }

    /// <summary>
    /// Each VM's pod folder exists on exactly one agent, the one its status names, and each node counts exactly the VMs
    /// placed on it. Returns the pod folders by node.
    /// </summary>
    private static async Task<Dictionary<string, string>> AssertEachVmRunsOnExactlyOneNodeAsync(RedisCluster cluster, Dictionary<string, VmSnapshot> vms, string phase)
    {
        var pods = cluster.PodsByNode();
        var owners = pods.SelectMany(p => p.Value.Select(pod => (pod, node: p.Key))).GroupBy(x => x.pod).ToList();
        var twice = owners.Where(g => g.Count() > 1).Select(g => $"{g.Key} on {string.Join(" and ", g.Select(x => x.node))}").ToList();
        Assert.True(twice.Count == 0, $"pods exist on two nodes {phase}: {string.Join("; ", twice)}");
        Assert.True(owners.Count == VmCount, $"{owners.Count} pods on the two nodes {phase}, expected one per VM ({VmCount}): {string.Join(", ", pods.Select(p => $"{p.Key}={p.Value.Count}"))}");

        using var connection = OrvirtConnection.Create(cluster.GrpcAddress(Enumerable.Range(0, RedisCluster.SiloCount).First(cluster.IsRunning)));
        var nodes = (await connection.Nodes.ListAsync(new ListNodesRequest())).Items.ToDictionary(n => n.Name);
        foreach (var (node, nodePods) in pods)
        {
            var placed = vms.Values.Count(v => v.Node == node);
            Assert.True(nodePods.Count == placed && nodes[node].VmCount == placed,
                $"node {node} {phase}: {nodePods.Count} pods, {nodes[node].VmCount} VMs counted by the node, {placed} VMs whose status names it");
        }
        return pods.ToDictionary(p => p.Key, p => string.Join(",", p.Value.Order(StringComparer.Ordinal)));
    }
}
