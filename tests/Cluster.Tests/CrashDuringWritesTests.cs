using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Client.Connection;
using Orvirt.Testing;
using Xunit.Abstractions;

namespace Orvirt.Cluster.Tests;

/// <summary>
/// Issue 6 acceptance, crash during writes: three silos on Redis take a burst of 1,000 creates through all three gRPC
/// endpoints; once 300 are acknowledged every silo is killed with SIGKILL. After all silos are restarted on the same ports,
/// every acknowledged create exists as it was acknowledged, every other create exists fully or not at all, and List agrees
/// with Get on every VM. No agents run: the VMs are Halted, so only the control plane's writes are under test.
/// </summary>
public sealed class CrashDuringWritesTests(ITestOutputHelper output)
{
    private const int CreateCount = 1000;
    private const int KillAfterAcknowledged = 300;
    private const int Concurrency = 32;
    private const int PageSize = 100;
    private const string Namespace = "crash";
    private const string BatchLabel = "batch";
    private const string SlotLabel = "slot";
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task KillingEverySiloDuringABurstOfCreatesKeepsEveryAcknowledgedCreateAndHalfAppliesNone()
    {
        var timeline = new List<string>();
        await using var cluster = await RedisCluster.StartAsync(agents: false);
        try
        {
            var names = Enumerable.Range(0, CreateCount).Select(Name).ToArray();
            var acknowledged = new ConcurrentDictionary<string, VirtualMachine>();
            var failedBeforeKill = new ConcurrentDictionary<string, string>();
            var failedAfterKill = new ConcurrentDictionary<string, string>();
            var enoughAcknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var killing = 0;
            var clock = Stopwatch.StartNew();

            var kill = KillEverySiloWhenAsync(cluster, enoughAcknowledged.Task, () => Volatile.Write(ref killing, 1));
            var connections = Connect(cluster);
            try
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, CreateCount), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (slot, ct) =>
                {
                    try
                    {
                        var vm = await connections[slot % RedisCluster.SiloCount].VirtualMachines.CreateAsync(
                            Request(slot), deadline: DateTime.UtcNow.Add(CallDeadline), cancellationToken: ct);
                        acknowledged[Name(slot)] = vm;
                        if (acknowledged.Count >= KillAfterAcknowledged)
                        {
                            enoughAcknowledged.TrySetResult();
                        }
                    }
                    catch (RpcException e)
                    {
                        var failures = Volatile.Read(ref killing) == 0 ? failedBeforeKill : failedAfterKill;
                        failures[Name(slot)] = $"{e.StatusCode}: {e.Status.Detail}";
                    }
                });
            }
            finally
            {
                // Should the burst end before the threshold, kill now: the assertions below then say what went wrong.
                enoughAcknowledged.TrySetResult();
                await kill;
                Dispose(connections);
            }
            timeline.Add($"burst of {CreateCount} creates ({Concurrency} at a time over {RedisCluster.SiloCount} silos), every silo killed after {KillAfterAcknowledged} acknowledgements: "
                + $"{acknowledged.Count} acknowledged, {failedAfterKill.Count} failed after the kill, {failedBeforeKill.Count} before it, {clock.Elapsed.TotalSeconds:0.0} s");

            Assert.True(failedBeforeKill.IsEmpty,
                $"{failedBeforeKill.Count} creates failed before any silo was killed:\n{string.Join("\n", failedBeforeKill.Take(20).Select(f => $"{f.Key}: {f.Value}"))}\n{cluster.Output}");
            Assert.True(acknowledged.Count >= KillAfterAcknowledged && !failedAfterKill.IsEmpty,
                $"the kill did not fall inside the burst: {acknowledged.Count} acknowledged, {failedAfterKill.Count} failed");
            Assert.Equal(CreateCount, acknowledged.Count + failedAfterKill.Count);

            clock.Restart();
            for (var i = 0; i < RedisCluster.SiloCount; i++)
            {
                await cluster.StartSiloAsync(i);
            }
            timeline.Add($"all {RedisCluster.SiloCount} silos restarted on their ports and healthy: {clock.Elapsed.TotalSeconds:0.0} s");

            clock.Restart();
            connections = Connect(cluster);
            try
            {
                // Every name answers Get with either the VM or NOT_FOUND (anything else: the cluster is not back yet).
                var found = await Eventually.MatchAsync(
                    () => GetAllAsync(connections, names),
                    r => r.Errors.Count == 0,
                    $"all {CreateCount} names answering Get (the VM or NOT_FOUND) through the restarted silos",
                    TimeSpan.FromSeconds(90));
                timeline.Add($"every name answers Get after the restart: {clock.Elapsed.TotalSeconds:0.0} s; {found.Vms.Count} VMs exist");

                var lost = acknowledged.Keys.Where(n => !found.Vms.ContainsKey(n)).Order(StringComparer.Ordinal).ToList();
                Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged creates are gone after the restart: {string.Join(", ", lost.Take(50))}\n{cluster.Output}");

                var changed = acknowledged
                    .Where(a => found.Vms[a.Key] is var now
                        && (now.Metadata.Uid != a.Value.Metadata.Uid || Describe(now) != Describe(a.Value)))
                    .Select(a => $"{a.Key}: acknowledged {a.Value.Metadata.Uid} {Describe(a.Value)}, now {found.Vms[a.Key].Metadata.Uid} {Describe(found.Vms[a.Key])}")
                    .ToList();
                Assert.True(changed.Count == 0, $"{changed.Count} acknowledged VMs differ from what the create answered:\n{string.Join("\n", changed.Take(20))}");

                // A create that was not acknowledged exists exactly as requested, or not at all.
                var unacknowledged = failedAfterKill.Keys.Where(found.Vms.ContainsKey).ToList();
                var halfApplied = found.Vms.Values
                    .Where(vm => Describe(vm) != Expected(vm.Metadata.Name))
                    .Select(vm => $"{vm.Metadata.Name}: {Describe(vm)}, requested {Expected(vm.Metadata.Name)}")
                    .ToList();
                Assert.True(halfApplied.Count == 0, $"{halfApplied.Count} VMs are not as their create requested:\n{string.Join("\n", halfApplied.Take(20))}");
                timeline.Add($"{unacknowledged.Count} of {failedAfterKill.Count} unacknowledged creates exist, all complete; {failedAfterKill.Count - unacknowledged.Count} do not exist");

                // List agrees with Get: the same names, and whole pages while more follow. A create that died between its index
                // entry and its VM leaves an entry without a VM (List leaves it out, so its page comes up short) until the index,
                // reactivated after the restart, has had every entry checked: poll for that.
                var existing = found.Vms.Keys.Order(StringComparer.Ordinal).ToList();
                clock.Restart();
                var paged = await Eventually.MatchAsync(
                    () => ListAllAsync(connections[1], PageSize),
                    p => p.Names.SequenceEqual(existing) && p.Pages.SkipLast(1).All(count => count == PageSize),
                    $"List in pages of {PageSize} to return exactly the {existing.Count} VMs that Get finds, in full pages",
                    TimeSpan.FromSeconds(30));
                timeline.Add($"List in pages of {PageSize} agrees with Get ({paged}): {clock.Elapsed.TotalSeconds:0.0} s");
                timeline.AddRange(cluster.SiloLines("index entries loaded at activation"));
                var listed = await ListAllAsync(connections[0], limit: 0);
                Assert.True(listed.Pages.Count == 1, $"List without a limit answered {listed.Pages.Count} pages");
                AssertSameNames(existing, listed.Names, "List of the whole namespace");
                var bySelector = await connections[2].VirtualMachines.ListAsync(new ListRequest { Namespace = Namespace, LabelSelector = $"{BatchLabel}={Namespace}" });
                AssertSameNames(existing, [.. bySelector.Items.Select(v => v.Metadata.Name)], $"List by label selector {BatchLabel}={Namespace}");

                // The restarted cluster takes writes again: an unacknowledged create that is gone can be made now.
                if (failedAfterKill.Keys.FirstOrDefault(n => !found.Vms.ContainsKey(n)) is { } gone)
                {
                    var again = await connections[0].VirtualMachines.CreateAsync(Request(Slot(gone)), deadline: DateTime.UtcNow.Add(CallDeadline));
                    Assert.Equal(Expected(gone), Describe(again));
                }
            }
            finally
            {
                Dispose(connections);
            }
        }
        finally
        {
            foreach (var line in timeline)
            {
                output.WriteLine(line);
            }
        }
    }

    /// <summary>Once <paramref name="trigger"/> completes, SIGKILLs every silo at once and waits until all have exited.</summary>
    private static async Task KillEverySiloWhenAsync(RedisCluster cluster, Task trigger, Action killing)
    {
        await trigger;
        killing();
        await Task.WhenAll(Enumerable.Range(0, RedisCluster.SiloCount).Select(cluster.KillSiloAsync));
    }

    /// <summary>One Get per name, <see cref="Concurrency"/> at a time, spread over the silos: the VMs found, and the names whose Get failed other than NOT_FOUND.</summary>
    private static async Task<GetAllResult> GetAllAsync(OrvirtConnection[] connections, string[] names)
    {
        var vms = new ConcurrentDictionary<string, VirtualMachine>();
        var errors = new ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (name, ct) =>
        {
            try
            {
                vms[name] = await connections[Slot(name) % connections.Length].VirtualMachines.GetAsync(
                    new GetRequest { Namespace = Namespace, Name = name }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.NotFound)
            {
                errors[name] = $"{e.StatusCode}: {e.Status.Detail}";
            }
            catch (RpcException)
            {
                // NOT_FOUND: the create never happened, a valid outcome for an unacknowledged one.
            }
        });
        return new GetAllResult(vms.ToDictionary(), errors.ToDictionary());
    }

    /// <summary>Pages through List of the namespace with <paramref name="limit"/> (0: one page with everything).</summary>
    private static async Task<ListResult> ListAllAsync(OrvirtConnection connection, int limit)
    {
        var names = new List<string>();
        var pages = new List<int>();
        var next = "";
        do
        {
            var page = await connection.VirtualMachines.ListAsync(
                new ListRequest { Namespace = Namespace, Limit = limit, ContinueToken = next }, deadline: DateTime.UtcNow.Add(CallDeadline));
            names.AddRange(page.Items.Select(v => v.Metadata.Name));
            pages.Add(page.Items.Count);
            next = page.ContinueToken;
            Assert.True(pages.Count <= CreateCount + 1, $"List with limit {limit} did not end after {pages.Count} pages");
        }
        while (next.Length > 0);
        return new ListResult(names, pages);
    }

    private static void AssertSameNames(List<string> existing, List<string> listed, string what)
    {
        var missing = existing.Except(listed).ToList();
        var extra = listed.Except(existing).ToList();
        var twice = listed.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0 && twice.Count == 0,
            $"{what} disagrees with Get: {missing.Count} existing VMs not listed ({string.Join(", ", missing.Take(20))}), "
            + $"{extra.Count} listed that Get does not find ({string.Join(", ", extra.Take(20))}), {twice.Count} listed twice ({string.Join(", ", twice.Take(20))})");
    }

    private static OrvirtConnection[] Connect(RedisCluster cluster) =>
        [.. Enumerable.Range(0, RedisCluster.SiloCount).Select(i => OrvirtConnection.Create(cluster.GrpcAddress(i)))];

    private static void Dispose(OrvirtConnection[] connections)
    {
        foreach (var connection in connections)
        {
            connection.Dispose();
        }
    }

    private static string Name(int slot) => $"vm-{slot:0000}";

    private static int Slot(string name) => int.Parse(name.AsSpan(3), CultureInfo.InvariantCulture);

    // Memory varies with the slot so that a VM carrying another create's spec shows.
    private static string Memory(int slot) => $"{64 + 16 * (slot % 4)}Mi";

    private static CreateRequest Request(int slot)
    {
        var request = new CreateRequest
        {
            Namespace = Namespace,
            Name = Name(slot),
            Spec = new VirtualMachineSpec
            {
                RunStrategy = "Halted",
                Memory = Memory(slot),
                Cpu = new Cpu { Sockets = 1, Cores = 1, Threads = 1 },
            },
        };
        request.Labels.Add(BatchLabel, Namespace);
        request.Labels.Add(SlotLabel, slot.ToString(CultureInfo.InvariantCulture));
        return request;
    }

    /// <summary>What a create of <paramref name="name"/> must leave, in the form of <see cref="Describe"/>.</summary>
    private static string Expected(string name) =>
        $"generation 1, Halted, {Memory(Slot(name))}, {BatchLabel}={Namespace},{SlotLabel}={Slot(name).ToString(CultureInfo.InvariantCulture)}";

    private static string Describe(VirtualMachine vm) =>
        $"generation {vm.Metadata.Generation}, {vm.Spec.RunStrategy}, {vm.Spec.Memory}, "
        + string.Join(",", vm.Metadata.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    private sealed record ListResult(List<string> Names, List<int> Pages)
    {
        public override string ToString() => $"{Names.Count} VMs in pages of {string.Join("+", Pages)}";
    }

    private sealed record GetAllResult(Dictionary<string, VirtualMachine> Vms, Dictionary<string, string> Errors)
    {
        public override string ToString() =>
            $"{Vms.Count} found, {Errors.Count} errors, e.g. {string.Join("; ", Errors.Take(3).Select(e => $"{e.Key}: {e.Value}"))}";
    }
}
