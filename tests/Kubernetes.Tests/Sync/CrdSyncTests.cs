using System.Text.Json.Nodes;
using k8s;
using Orvirt.Interfaces;

namespace Orvirt.Kubernetes.Tests.Sync;

[Collection(SyncClusterCollection.Name)]
public sealed class CrdSyncTests(SyncClusterFixture cluster)
{
    private static string? Status(JsonObject cr) => (string?)cr["status"]?["printableStatus"];

    private static long? Observed(JsonObject cr) => (long?)cr["status"]?["observedGeneration"];

    private static JsonObject? Condition(JsonObject cr, string type) =>
        (cr["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);

    [Fact]
    public async Task ACreatedCrRunsItsVmAndItsStatusShowsRunningOnTheNodeAtItsGeneration()
    {
        await using var h = await SyncHarness.StartAsync(cluster);

        await h.CreateAsync(h.Vm("web"));

        var cr = await h.WaitForCrAsync("web", c => Status(c) == "Running" && Observed(c) == Kube.Generation(c), "Running at observedGeneration == generation");
        Assert.Equal("node1", (string?)cr["status"]!["node"]);
        Assert.True((bool?)cr["status"]!["ready"]);
        Assert.Equal(1, (long?)cr["status"]!["desiredGeneration"]);
        Assert.Contains("orvirt.io/vm", cr["metadata"]!["finalizers"]!.AsArray().Select(f => (string?)f));
        var vm = (await h.Grain("web").GetAsync()).Vm!;
        Assert.Equal(128L << 20, vm.Spec.MemoryBytes);
        Assert.Equal(PrintableStatus.Running, vm.Status.PrintableStatus);
    }

    [Fact]
    public async Task EditingARunningVmsSpecRaisesItsGenerationAndRestartRequiredUntilItRestarts()
    {
        await using var h = await SyncHarness.StartAsync(cluster);
        await h.CreateAsync(h.Vm("web"));
        await h.WaitForCrAsync("web", c => Status(c) == "Running", "Running");

        var edited = await h.PatchAsync("web", """{"spec":{"template":{"spec":{"domain":{"memory":{"guest":"256Mi"}}}}}}""");
        Assert.Equal(2, Kube.Generation(edited));

        var pending = await h.WaitForCrAsync("web", c => (string?)Condition(c, ConditionTypes.RestartRequired)?["status"] == "True",
            "RestartRequired after the memory change");
        Assert.Equal(2, (long?)pending["status"]!["desiredGeneration"]);
        Assert.Equal(256L << 20, (await h.Grain("web").GetAsync()).Vm!.Spec.MemoryBytes);

        Assert.True((await h.Grain("web").RestartAsync()).IsOk);

        await h.WaitForCrAsync("web", c => Status(c) == "Running" && Observed(c) == 2
            && (string?)Condition(c, ConditionTypes.RestartRequired)?["status"] != "True", "Running at generation 2 without RestartRequired");
    }

    [Fact]
    public async Task DeletingTheCrStopsAndRemovesTheVmBeforeTheCrGoes()
    {
        await using var h = await SyncHarness.StartAsync(cluster);
        await h.CreateAsync(h.Vm("web"));
        await h.WaitForCrAsync("web", c => Status(c) == "Running", "Running");

        await h.DeleteAsync("web");

        await h.WaitForCrGoneAsync("web", "the finalizer to be removed after the VM is gone");
        Assert.Equal(VmResultCode.NotFound, (await h.Grain("web").GetAsync()).Code);
    }

    [Theory]
    [InlineData("""{"spec":{"template":{"spec":{"domain":{"memory":{"guest":"lots"}}}}}}""", "memory.guest")]
    [InlineData("""{"spec":{"runStrategy":"Sometimes"}}""", "runStrategy")]
    [InlineData("""{"spec":{"template":{"spec":{"domain":{"firmware":{"bootloader":{"efi":{}}}}}}}}""", "firmware")]
    [InlineData("""{"spec":{"template":{"spec":{"volumes":[{"name":"scratch","containerDisk":{"image":"quay.io/containerdisks/fedora"}}]}}}}""", "containerDisk")]
    public async Task AnInvalidCrGetsAFailureConditionNamingTheFieldAndOtherVmsAreUnaffected(string patch, string field)
    {
        await using var h = await SyncHarness.StartAsync(cluster);
        var bad = h.Vm("bad");
        bad = (JsonObject)KubeApiServer.Patches.Merge(bad, JsonNode.Parse(patch))!;

        await h.CreateAsync(bad);
        await h.CreateAsync(h.Vm("good"));

        var failed = await h.WaitForCrAsync("bad", c => (string?)Condition(c, ConditionTypes.Failure)?["status"] == "True", "a Failure condition");
        var failure = Condition(failed, ConditionTypes.Failure)!;
        Assert.Equal("InvalidSpec", (string?)failure["reason"]);
        var message = (string?)failure["message"] ?? "";
        Assert.True(message.Contains(field, StringComparison.Ordinal), $"the Failure message does not name {field}: {message}");
        Assert.Equal(VmResultCode.NotFound, (await h.Grain("bad").GetAsync()).Code);
        await h.WaitForCrAsync("good", c => Status(c) == "Running", "the valid VM to run");

        // Fixing the spec clears the condition and the VM runs.
        var fixedVm = h.Vm("bad");
        fixedVm["metadata"] = failed["metadata"]!.DeepClone();
        fixedVm["status"] = failed["status"]!.DeepClone();
        await h.K.CustomObjects.ReplaceNamespacedCustomObjectAsync<JsonObject>(fixedVm, Kube.Group, Kube.Version, h.Namespace, Kube.Plural, "bad");
        await h.WaitForCrAsync("bad", c => Status(c) == "Running" && Condition(c, ConditionTypes.Failure) is null, "the fixed VM to run without Failure");
    }

    [Fact]
    public async Task StatusWritesThatFailWith429Or500AreRetriedAndNothingIsLost()
    {
        await using var h = await SyncHarness.StartAsync(cluster);
        h.Api.Faults.FailNext("PATCH", "/status", 3, 429);
        h.Api.Faults.FailNext("PATCH", "/status", 3, 500);

        await h.CreateAsync(h.Vm("web"));

        await h.WaitForCrAsync("web", c => Status(c) == "Running" && Observed(c) == 1, "Running despite failing status writes");
        Assert.Equal(0, h.Api.Faults.PendingFailures);
        Assert.True(h.Api.Faults.Count("PATCH", "/status") >= 7, $"{h.Api.Faults.Count("PATCH", "/status")} status patches");
    }

    [Fact]
    public async Task ALabelChangeOnTheCrReachesTheVmWithoutANewGeneration()
    {
        await using var h = await SyncHarness.StartAsync(cluster);
        await h.CreateAsync(h.Vm("web"));
        await h.WaitForCrAsync("web", c => Status(c) == "Running", "Running");

        var relabelled = await h.PatchAsync("web", """{"metadata":{"labels":{"tier":"gold"}}}""");

        Assert.Equal(1, Kube.Generation(relabelled));
        await Eventually.UntilAsync(async () => (await h.Grain("web").GetAsync()).Vm?.Spec.Labels.GetValueOrDefault("tier") == "gold", "the grain to get label tier=gold", log: () => h.Log);
    }

    [Fact]
    public async Task ReconcilesThatChangeNoStatusWriteNoStatus()
    {
        await using var h = await SyncHarness.StartAsync(cluster);
        await h.CreateAsync(h.Vm("web"));
        await h.WaitForCrAsync("web", c => Status(c) == "Running" && (bool?)c["status"]?["ready"] == true && Observed(c) == 1, "Running and ready");
        var baseline = h.Api.Faults.Requests.Count;

        // Each label change makes the sync reconcile the VM (it applies the label to the grain) without changing
        // its status. Reconciles of one VM run one after another, so when label i has reached the grain, the
        // reconcile of label i-1 has finished, status write included.
        for (var i = 1; i <= 10; i++)
        {
            var value = $"v{i}";
            await h.PatchAsync("web", "{\"metadata\":{\"labels\":{\"round\":\"" + value + "\"}}}");
            await Eventually.UntilAsync(async () => (await h.Grain("web").GetAsync()).Vm?.Spec.Labels.GetValueOrDefault("round") == value,
                $"label round={value} on the grain", log: () => h.Log);
        }

        var statusWrites = h.Api.Faults.Requests.Skip(baseline).Count(r => r.Method == "PATCH" && r.Path.EndsWith("/status", StringComparison.Ordinal));
        Assert.True(statusWrites == 0, $"{statusWrites} status writes while the status did not change");
    }

    [Fact]
    public async Task AVmChangedThroughTheApiIsWrittenBackIntoItsCr()
    {
        await using var h = await SyncHarness.StartAsync(cluster);
        await h.CreateAsync(h.Vm("web"));
        await h.WaitForCrAsync("web", c => Status(c) == "Running", "Running");
        var vm = (await h.Grain("web").GetAsync()).Vm!;

        var updated = await h.Grain("web").UpdateAsync(vm.Spec with { MemoryBytes = 512L << 20 }, vm.Generation);
        Assert.True(updated.IsOk, updated.Message);

        var cr = await h.WaitForCrAsync("web", c => (string?)c["spec"]?["template"]?["spec"]?["domain"]?["memory"]?["guest"] == "512Mi", "the CR to show 512Mi");
        Assert.Equal(2, Kube.Generation(cr));
        await h.WaitForCrAsync("web", c => (long?)c["status"]?["desiredGeneration"] == 2, "desiredGeneration 2");
        Assert.Equal(512L << 20, (await h.Grain("web").GetAsync()).Vm!.Spec.MemoryBytes);
    }

    [Fact]
    public async Task AVmDeletedThroughTheApiTakesItsCrWithIt()
    {
        await using var h = await SyncHarness.StartAsync(cluster);
        await h.CreateAsync(h.Vm("web"));
        await h.WaitForCrAsync("web", c => Status(c) == "Running", "Running");

        Assert.True((await h.Grain("web").DeleteAsync()).IsOk);

        await h.WaitForCrGoneAsync("web", "the CR of the deleted VM to go");
        Assert.Equal(VmResultCode.NotFound, (await h.Grain("web").GetAsync()).Code);
    }

    [Fact]
    public async Task AVmCreatedThroughTheApiWhileNoSiloSyncedGetsACrWhenTheSyncStarts()
    {
        await using var h = await SyncHarness.StartAsync(cluster, syncs: 0);
        var created = await h.Grain("early").CreateAsync(new VmSpec { MemoryBytes = 192L << 20 });
        Assert.True(created.IsOk, created.Message);
        await Eventually.UntilAsync(async () => (await h.Grain("early").GetAsync()).Vm?.Status.PrintableStatus == PrintableStatus.Running, "the VM to run");

        await h.StartSyncAsync("late");

        var cr = await h.WaitForCrAsync("early", c => (string?)c["status"]?["printableStatus"] == "Running", "a CR for the VM made before the sync ran");
        Assert.Equal("192Mi", (string?)cr["spec"]!["template"]!["spec"]!["domain"]!["memory"]!["guest"]);
    }

    [Fact]
    public async Task AVmCreatedThroughTheApiAppearsAsACr()
    {
        await using var h = await SyncHarness.StartAsync(cluster);
        await Eventually.Until(() => h.Syncs[0].IsLeader, "the sync to lead");
        await Eventually.Until(() => h.Api.WatchCount == 1, "the sync to watch");

        var created = await h.Grain("api-made").CreateAsync(new VmSpec { MemoryBytes = 256L << 20, Cpu = new CpuTopology { Cores = 2 } });
        Assert.True(created.IsOk, created.Message);

        var cr = await h.WaitForCrAsync("api-made", c => Status(c) == "Running", "the mirrored CR to show Running");
        Assert.Equal("256Mi", (string?)cr["spec"]!["template"]!["spec"]!["domain"]!["memory"]!["guest"]);
        Assert.Equal(2, (int?)cr["spec"]!["template"]!["spec"]!["domain"]!["cpu"]!["cores"]);
    }
}
