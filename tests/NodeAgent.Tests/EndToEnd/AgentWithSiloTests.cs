using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;
using Orvirt.NodeAgent.Domain;
using Orvirt.NodeAgent.Pods;
using Orvirt.Testing;

namespace Orvirt.NodeAgent.Tests.EndToEnd;

/// <summary>The real silo in a child process and the agent host (Orleans client, node stream, test pods) in this process.</summary>
public sealed class AgentWithSiloTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("ov-e2e-").FullName;
    private SiloProcess? _silo;
    private IHost? _agent;

    public async Task InitializeAsync()
    {
        try
        {
            _silo = await SiloProcess.StartAsync();
        }
        catch (Exception e)
        {
            // xunit does not call DisposeAsync when InitializeAsync fails: clean up here.
            await DisposeAsync();
            throw new InvalidOperationException("the silo did not start", e);
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_agent is not null)
            {
                await _agent.StopAsync(TimeSpan.FromSeconds(10));
                _agent.Dispose();
            }
        }
        finally
        {
            // Process pods left by a failed test: end what runs under our folder, by pid.
            foreach (var pid in ProcessTools.FindByCommandLine(_root + "/"))
            {
                await ProcessTools.TerminateAsync(pid, TimeSpan.FromSeconds(2), CancellationToken.None);
            }
            if (_silo is not null)
            {
                await _silo.DisposeAsync();
            }
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }
    }

    private async Task StartAgentAsync(string runtime)
    {
        _agent = BuildAgentHost(_silo!.GatewayPort, runtime);
        try
        {
            await _agent.StartAsync();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"the agent host did not start; silo output:\n{_silo.Output}", e);
        }
    }

    private IHost BuildAgentHost(int gatewayPort, string runtime)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agent:Node"] = "e2e-node",
            ["Agent:PodsDirectory"] = Path.Combine(_root, "pods"),
            ["Agent:ImagesDirectory"] = Directory.CreateDirectory(Path.Combine(_root, "images")).FullName,
            ["Agent:Runtime"] = runtime,
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

    [Theory]
    [InlineData("test", HypervisorKind.Test)]
    [InlineData("process", HypervisorKind.Kvm)]
    public async Task AVmCreatedThroughItsGrainRunsStopsAndIsDeletedByTheAgent(string runtime, HypervisorKind kvmOrTest)
    {
        await StartAgentAsync(runtime);
        var expectedHypervisor = kvmOrTest == HypervisorKind.Kvm ? HypervisorDetector.Detect() : kvmOrTest;
        var client = _agent!.Services.GetRequiredService<IClusterClient>();
        await Eventually(async () => (await client.GetGrain<INodeGrain>("e2e-node").GetInfoAsync()).Ready, "node e2e-node Ready");

        var vm = client.GetGrain<IVirtualMachineGrain>("default/e2e-vm");
        var created = await vm.CreateAsync(new VmSpec { RunStrategy = RunStrategy.Always, MemoryBytes = 64L << 20 });
        Assert.True(created.IsOk, created.Message);

        var running = await Eventually(async () => (await vm.GetAsync()).Vm is { Status.PrintableStatus: PrintableStatus.Running } v ? v : null, "default/e2e-vm Running");
        Assert.Equal("e2e-node", running.Status.Node);
        Assert.Equal(expectedHypervisor, running.Status.Hypervisor);
        var pod = DomainNames.PodId(new VmId("default", "e2e-vm"));
        Assert.True(Directory.Exists(Path.Combine(_root, "pods", pod)), "the VM's pod folder should exist");

        var stopped = await vm.StopAsync(new StopOptions { Force = true });
        Assert.True(stopped.IsOk, stopped.Message);
        await Eventually(async () => (await vm.GetAsync()).Vm is { Status.PrintableStatus: PrintableStatus.Stopped } v ? v : null, "default/e2e-vm Stopped");

        var deleted = await vm.DeleteAsync();
        Assert.True(deleted.IsOk, deleted.Message);
        await Eventually(async () => (await vm.GetAsync()).Code == VmResultCode.NotFound, "default/e2e-vm gone");
        await Eventually(() => Task.FromResult(!Directory.Exists(Path.Combine(_root, "pods", pod))), "the VM's pod folder removed");
    }

    private async Task Eventually(Func<Task<bool>> condition, string what, double seconds = 30)
    {
        await Eventually(async () => await condition() ? true : (bool?)null, what, seconds);
    }

    private async Task<T> Eventually<T>(Func<Task<T?>> probe, string what, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (Exception e) when (e is TimeoutException or OrleansException)
            {
                last = e;
            }
            await Task.Delay(50);
        }
        var vm = await _agent!.Services.GetRequiredService<IClusterClient>().GetGrain<IVirtualMachineGrain>("default/e2e-vm").GetStateAsync();
        throw new Xunit.Sdk.XunitException($"{what} not reached within {seconds} s; VM view: {vm}; last error: {last?.Message}\nsilo output tail:\n{string.Join('\n', _silo!.Output.Split('\n').TakeLast(30))}");
    }
}
