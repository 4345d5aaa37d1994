using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orvirt.Interfaces;
using Orvirt.KubeApiServer;
using Orvirt.NodeAgent.Agent;
using Orvirt.NodeAgent.Domain;
using Orvirt.Silo.Kubernetes;
using Orvirt.Testing;

namespace Orvirt.Kubernetes.Tests.EndToEnd;

/// <summary>
/// The whole path with real parts: the test API server, the real silo in a child process, the real node agent with
/// libvirt test pods, and the CRD sync (run here on the agent host's Orleans client, as a silo would run it).
/// </summary>
public sealed class CrToAgentTests : IAsyncLifetime
{
    private const string Node = "kube-e2e";
    private readonly string _root = Directory.CreateTempSubdirectory("ov-kube-").FullName;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();
    private SiloProcess? _silo;
    private IHost? _agent;
    private KubeApiTestServer? _api;
    private KubernetesSyncService? _sync;

    public async Task InitializeAsync()
    {
        try
        {
            _api = await KubeApiTestServer.StartAsync();
            _silo = await SiloProcess.StartAsync();
            _agent = BuildAgentHost(_silo.GatewayPort);
            await _agent.StartAsync();
            var options = new KubernetesSyncOptions
            {
                Server = _api.Url,
                Identity = "e2e",
                LeaseDuration = TimeSpan.FromSeconds(2),
                RenewDeadline = TimeSpan.FromMilliseconds(1500),
                RetryPeriod = TimeSpan.FromMilliseconds(200),
                ResyncPeriod = TimeSpan.FromSeconds(2),
                BackoffBase = TimeSpan.FromMilliseconds(50),
                BackoffCap = TimeSpan.FromSeconds(1),
            };
            _sync = new KubernetesSyncService(_agent.Services.GetRequiredService<IClusterClient>(), Options.Create(options),
                Options.Create(ValidationLimits.Default), new Sync.TestLogger<KubernetesSyncService>(_log), TimeProvider.System);
            await _sync.StartAsync(CancellationToken.None);
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync fails: clean up here.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_sync is not null)
            {
                await _sync.StopAsync(CancellationToken.None);
                _sync.Dispose();
            }
            if (_agent is not null)
            {
                await _agent.StopAsync(TimeSpan.FromSeconds(10));
                _agent.Dispose();
            }
        }
        finally
        {
            if (_silo is not null)
            {
                await _silo.DisposeAsync();
            }
            if (_api is not null)
            {
                await _api.DisposeAsync();
            }
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }
    }

    [Fact]
    public async Task ACrRunsOnTheAgentShowsRunningAndDeletingItRemovesTheDomainBeforeTheCrGoes()
    {
        using var k = Kube.Client(_api!);
        var client = _agent!.Services.GetRequiredService<IClusterClient>();
        await WaitAsync(async () => (await client.GetGrain<INodeGrain>(Node).GetInfoAsync()).Ready, $"node {Node} Ready");
        var vm = Kube.Vm("e2e");
        vm["spec"]!["template"]!["spec"]!["domain"]!["memory"]!["guest"] = "64Mi";

        await Kube.CreateAsync(k, vm);

        var running = await WaitForCrAsync(k, c => (string?)c["status"]?["printableStatus"] == "Running"
            && (long?)c["status"]?["observedGeneration"] == Kube.Generation(c), "Running at observedGeneration == generation");
        Assert.Equal(Node, (string?)running["status"]!["node"]);
        Assert.True((bool?)running["status"]!["ready"]);
        var pod = Path.Combine(_root, "pods", DomainNames.PodId(new VmId(Kube.Ns, "e2e")));
        Assert.True(Directory.Exists(pod), $"the VM's pod folder {pod} should exist");

        await Kube.DeleteAsync(k, "e2e");

        await WaitAsync(async () =>
        {
            try
            {
                await Kube.GetAsync(k, "e2e");
                return false;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return true;
            }
        }, "the CR to go after its VM");
        Assert.Equal(VmResultCode.NotFound, (await client.GetGrain<IVirtualMachineGrain>(new VmId(Kube.Ns, "e2e").Key).GetAsync()).Code);
        Assert.False(Directory.Exists(pod), "the pod folder should be gone before the CR");
    }

    private IHost BuildAgentHost(int gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agent:Node"] = Node,
            ["Agent:PodsDirectory"] = Path.Combine(_root, "pods"),
            ["Agent:ImagesDirectory"] = Directory.CreateDirectory(Path.Combine(_root, "images")).FullName,
            ["Agent:Runtime"] = "test",
            ["Agent:Gateway"] = $"127.0.0.1:{gatewayPort}",
            ["Agent:Vcpus"] = "8",
            ["Agent:MemoryBytes"] = (8L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var options = new AgentOptions();
        builder.Configuration.GetSection(AgentOptions.Section).Bind(options);
        builder.UseNodeAgentClient(options);
        builder.Services.AddNodeAgent();
        return builder.Build();
    }

    private async Task<JsonObject> WaitForCrAsync(IKubernetes k, Func<JsonObject, bool> condition, string what)
    {
        JsonObject? last = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            last = await Kube.GetAsync(k, "e2e");
            if (condition(last))
            {
                return last;
            }
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"CR default/e2e: {what} not reached; last: {last?.ToJsonString()}\nsync log:\n{string.Join('\n', _log)}\nsilo output tail:\n{string.Join('\n', _silo!.Output.Split('\n').TakeLast(20))}");
    }

    private async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is TimeoutException or OrleansException)
            {
                last = e;
            }
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"{what} not reached within 30 s; last error: {last?.Message}\nsync log:\n{string.Join('\n', _log)}\nsilo output tail:\n{string.Join('\n', _silo!.Output.Split('\n').TakeLast(20))}");
    }
}
