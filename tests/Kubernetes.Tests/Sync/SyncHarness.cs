using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;
using Orvirt.Interfaces;
using Orvirt.KubeApiServer;
using Orvirt.Silo.Kubernetes;

namespace Orvirt.Kubernetes.Tests.Sync;

/// <summary>A test API server, the shared cluster, and CRD sync services (each a "silo") pointed at both.</summary>
internal sealed class SyncHarness : IAsyncDisposable
{
    private readonly List<KubernetesSyncService> _syncs = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    /// <summary>The sync services' log lines so far.</summary>
    public string Log => string.Join("\n", _log);

    private SyncHarness(KubeApiTestServer api, SyncClusterFixture cluster, string ns)
    {
        Api = api;
        Cluster = cluster;
        Namespace = ns;
        K = Kube.Client(api);
    }

    public KubeApiTestServer Api { get; }
    public SyncClusterFixture Cluster { get; }
    public string Namespace { get; }
    public IKubernetes K { get; }

    public static async Task<SyncHarness> StartAsync(SyncClusterFixture cluster, int syncs = 1)
    {
        var harness = new SyncHarness(await KubeApiTestServer.StartAsync(new KubeApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(500) }), cluster, cluster.NewNamespace());
        for (var i = 0; i < syncs; i++)
        {
            await harness.StartSyncAsync($"silo-{i}");
        }
        return harness;
    }

    public IReadOnlyList<KubernetesSyncService> Syncs => _syncs;

    public KubernetesSyncOptions Options(string identity) => new()
    {
        Server = Api.Url,
        Namespace = Namespace,
        Identity = identity,
        LeaseNamespace = "orvirt-system",
        LeaseName = "sync-" + Namespace,
        LeaseDuration = TimeSpan.FromSeconds(2),
        RenewDeadline = TimeSpan.FromMilliseconds(1500),
        RetryPeriod = TimeSpan.FromMilliseconds(200),
        ResyncPeriod = TimeSpan.FromSeconds(2),
        WatchTimeout = TimeSpan.FromSeconds(60),
        BackoffBase = TimeSpan.FromMilliseconds(50),
        BackoffCap = TimeSpan.FromSeconds(1),
    };

    public async Task<KubernetesSyncService> StartSyncAsync(string identity)
    {
        var options = Options(identity);
        var validation = new KubernetesSyncOptionsValidator().Validate(null, options);
        Assert.True(validation.Succeeded, validation.FailureMessage);
        var sync = new KubernetesSyncService(Cluster.Client, Microsoft.Extensions.Options.Options.Create(options),
            Microsoft.Extensions.Options.Options.Create(ValidationLimits.Default), new TestLogger<KubernetesSyncService>(_log), TimeProvider.System);
        await sync.StartAsync(CancellationToken.None);
        _syncs.Add(sync);
        return sync;
    }

    public async Task StopSyncAsync(KubernetesSyncService sync)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await sync.StopAsync(timeout.Token);
        _syncs.Remove(sync);
        sync.Dispose();
    }

    public JsonObject Vm(string name, params (string Key, string Value)[] labels)
    {
        var vm = Kube.Vm(name, labels);
        vm["metadata"]!["namespace"] = Namespace;
        return vm;
    }

    public Task<JsonObject> CreateAsync(JsonObject vm) =>
        K.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(vm, Kube.Group, Kube.Version, Namespace, Kube.Plural);

    public async Task<JsonObject?> TryGetAsync(string name)
    {
        try
        {
            return await K.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Kube.Group, Kube.Version, Namespace, Kube.Plural, name);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task<JsonObject> PatchAsync(string name, string mergePatch) =>
        K.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(new V1Patch(mergePatch, V1Patch.PatchType.MergePatch), Kube.Group, Kube.Version, Namespace, Kube.Plural, name);

    public Task<JsonObject> DeleteAsync(string name) =>
        K.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>(Kube.Group, Kube.Version, Namespace, Kube.Plural, name);

    public IVirtualMachineGrain Grain(string name) => Cluster.Client.GetGrain<IVirtualMachineGrain>(new VmId(Namespace, name).Key);

    /// <summary>Polls the CR until <paramref name="condition"/> holds; the failure message shows the last CR seen.</summary>
    public async Task<JsonObject> WaitForCrAsync(string name, Func<JsonObject, bool> condition, string what, TimeSpan? timeout = null)
    {
        JsonObject? last = null;
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            last = await TryGetAsync(name);
            if (last is not null && condition(last))
            {
                return last;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"CR {Namespace}/{name}: timed out waiting for {what}; last seen: {last?.ToJsonString() ?? "(absent)"}\nsync log:\n{Log}");
            }
            await Task.Delay(50);
        }
    }

    public async Task WaitForCrGoneAsync(string name, string what)
    {
        JsonObject? last = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((last = await TryGetAsync(name)) is not null)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"CR {Namespace}/{name}: timed out waiting for {what}; last seen: {last.ToJsonString()}\nsync log:\n{Log}");
            }
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sync in _syncs.ToList())
        {
            await StopSyncAsync(sync);
        }
        K.Dispose();
        await Api.DisposeAsync();
    }
}
