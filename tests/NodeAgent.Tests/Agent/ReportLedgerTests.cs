using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;

namespace Orvirt.NodeAgent.Tests.Agent;

/// <summary>When the periodic resync may skip a VM: the same observation accepted recently enough (times are given).</summary>
public sealed class ReportLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(10);

    private static VmObserved Running(string name, DateTimeOffset at) => new()
    {
        Namespace = "ns",
        Name = name,
        Uid = "uid-" + name,
        InstanceId = "run-1",
        Node = "node-a",
        Epoch = 1,
        State = DomainState.Running,
        ObservedGeneration = 1,
        DesiredSequence = 3,
        ObservedAt = at,
    };

    [Fact]
    public void TheSameObservationAtALaterTimeIsCurrentUntilTheVmsShareOfTheRefreshInterval()
    {
        var ledger = new ReportLedger();
        ledger.Accepted(Running("a", T0), T0);
        var due = Refresh - ReportLedger.Stagger(new VmId("ns", "a"), Refresh);
        Assert.True(ledger.IsCurrent(Running("a", T0.AddMinutes(1)), T0.AddMinutes(1), Refresh));
        Assert.True(ledger.IsCurrent(Running("a", T0), T0 + due - TimeSpan.FromSeconds(1), Refresh));
        Assert.False(ledger.IsCurrent(Running("a", T0), T0 + due, Refresh));
    }

    [Fact]
    public void AnyChangeInTheObservationOrAForgottenOrUnknownVmIsNotCurrent()
    {
        var ledger = new ReportLedger();
        ledger.Accepted(Running("a", T0), T0);
        Assert.False(ledger.IsCurrent(Running("a", T0) with { State = DomainState.Paused }, T0, Refresh));
        Assert.False(ledger.IsCurrent(Running("a", T0) with { Reason = "Crashed" }, T0, Refresh));
        Assert.False(ledger.IsCurrent(Running("a", T0) with { DesiredSequence = 4 }, T0, Refresh));
        Assert.False(ledger.IsCurrent(Running("a", T0) with { InstanceId = "run-2" }, T0, Refresh));
        Assert.False(ledger.IsCurrent(Running("b", T0), T0, Refresh));
        ledger.Forget(new VmId("ns", "a"));
        Assert.False(ledger.IsCurrent(Running("a", T0), T0, Refresh));
    }

    [Fact]
    public void TheStaggerIsFixedPerVmAndAtMostAQuarterOfTheInterval()
    {
        var staggers = Enumerable.Range(0, 200).Select(i => ReportLedger.Stagger(new VmId("ns", "vm-" + i), Refresh)).ToList();
        Assert.All(staggers, s => Assert.InRange(s, TimeSpan.Zero, Refresh / 4));
        Assert.True(staggers.Distinct().Count() > 100, "200 VMs should be spread over many due times");
        Assert.Equal(ReportLedger.Stagger(new VmId("ns", "vm-7"), Refresh), ReportLedger.Stagger(new VmId("ns", "vm-7"), Refresh));
    }
}
