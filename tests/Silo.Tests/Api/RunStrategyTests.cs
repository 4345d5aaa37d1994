using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Testing;
using static Orvirt.Silo.Tests.Api.Requests;

namespace Orvirt.Silo.Tests.Api;

/// <summary>Start, stop, restart, pause and unpause per run strategy, without a node agent (KubeVirt's subresource rules).</summary>
[Collection(SiloCollection.Name)]
public sealed class RunStrategyTests(SiloFixture silo)
{
    private readonly VirtualMachines.VirtualMachinesClient _vms = silo.Vms;

    public static TheoryData<string, string, StatusCode> Table => new()
    {
        // A stopped VM cannot be stopped, restarted, paused or unpaused.
        { "Halted", "stop", StatusCode.FailedPrecondition },
        { "Halted", "restart", StatusCode.FailedPrecondition },
        { "Halted", "pause", StatusCode.FailedPrecondition },
        { "Halted", "unpause", StatusCode.FailedPrecondition },
        { "Manual", "stop", StatusCode.FailedPrecondition },
        { "Manual", "restart", StatusCode.FailedPrecondition },
        // Once never restarts by request.
        { "Once", "restart", StatusCode.FailedPrecondition },
        // Always is already meant to run: a start is refused.
        { "Always", "start", StatusCode.FailedPrecondition },
        // Starting: Halted switches to Always, Manual records a start request.
        { "Halted", "start", StatusCode.OK },
        { "Manual", "start", StatusCode.OK },
        // Stopping Always switches it to Halted.
        { "Always", "stop", StatusCode.OK },
        { "Once", "stop", StatusCode.OK },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public async Task StateChangeRequestsFollowTheRunStrategy(string strategy, string action, StatusCode expected)
    {
        var ns = SiloFixture.UniqueNamespace("rs");
        await _vms.CreateAsync(Create(ns, "vm", runStrategy: strategy));

        Func<Task<VirtualMachine>> call = action switch
        {
            "start" => () => _vms.StartAsync(Ref(ns, "vm")).ResponseAsync,
            "stop" => () => _vms.StopAsync(new StopRequest { Namespace = ns, Name = "vm" }).ResponseAsync,
            "restart" => () => _vms.RestartAsync(Ref(ns, "vm")).ResponseAsync,
            "pause" => () => _vms.PauseAsync(Ref(ns, "vm")).ResponseAsync,
            "unpause" => () => _vms.UnpauseAsync(Ref(ns, "vm")).ResponseAsync,
            _ => throw new ArgumentException(action, nameof(action)),
        };

        if (expected == StatusCode.OK)
        {
            var vm = await call();
            Assert.Equal("vm", vm.Metadata.Name);
        }
        else
        {
            var error = await FailsWith(expected, call);
            Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail), $"{strategy} {action}: the refusal should say why");
        }
    }

    [Fact]
    public async Task StartingAHaltedVmMakesItWantToRunAndStoppingItReturnsToStopped()
    {
        var ns = SiloFixture.UniqueNamespace("rs-cycle");
        await _vms.CreateAsync(Create(ns, "vm", runStrategy: "Halted"));

        var started = await _vms.StartAsync(Ref(ns, "vm"));
        Assert.Equal("Always", started.Spec.RunStrategy);
        await Eventually.MatchAsync(
            () => _vms.GetAsync(new GetRequest { Namespace = ns, Name = "vm" }).ResponseAsync,
            v => v.Status.PrintableStatus == "ErrorUnschedulable",
            $"{ns}/vm to want a node after start");

        var stopped = await _vms.StopAsync(new StopRequest { Namespace = ns, Name = "vm" });
        Assert.Equal("Halted", stopped.Spec.RunStrategy);
        await Eventually.MatchAsync(
            () => _vms.GetAsync(new GetRequest { Namespace = ns, Name = "vm" }).ResponseAsync,
            v => v.Status.PrintableStatus == "Stopped",
            $"{ns}/vm to be Stopped after stop");

        var again = await FailsWith(StatusCode.FailedPrecondition, async () => await _vms.StopAsync(new StopRequest { Namespace = ns, Name = "vm" }));
        Assert.Contains("not running", again.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task StateChangesOfAnUnknownVmAreNotFound()
    {
        var ns = SiloFixture.UniqueNamespace("rs-none");
        await FailsWith(StatusCode.NotFound, async () => await _vms.StartAsync(Ref(ns, "ghost")));
        await FailsWith(StatusCode.NotFound, async () => await _vms.StopAsync(new StopRequest { Namespace = ns, Name = "ghost" }));
        await FailsWith(StatusCode.NotFound, async () => await _vms.PauseAsync(Ref(ns, "ghost")));
    }
}
