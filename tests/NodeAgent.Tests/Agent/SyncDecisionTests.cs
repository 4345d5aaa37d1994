using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;

namespace Orvirt.NodeAgent.Tests.Agent;

public sealed class SyncDecisionTests
{
    private const string Run = "run-1";

    [Theory]
    // desired power, force, observed state, observed run ("" none, "cur", "old"), pod exists => action
    [InlineData(DesiredPower.Running, false, DomainState.Absent, "", false, SyncAction.Start)]
    [InlineData(DesiredPower.Running, false, DomainState.Running, "cur", true, SyncAction.None)]
    [InlineData(DesiredPower.Running, false, DomainState.Paused, "cur", true, SyncAction.Resume)]
    [InlineData(DesiredPower.Running, false, DomainState.Shutoff, "cur", true, SyncAction.None)]
    [InlineData(DesiredPower.Running, false, DomainState.Crashed, "cur", true, SyncAction.None)]
    [InlineData(DesiredPower.Running, false, DomainState.Running, "old", true, SyncAction.ReplaceRun)]
    [InlineData(DesiredPower.Running, false, DomainState.Shutoff, "old", true, SyncAction.ReplaceRun)]
    [InlineData(DesiredPower.Paused, false, DomainState.Running, "cur", true, SyncAction.Pause)]
    [InlineData(DesiredPower.Paused, false, DomainState.Paused, "cur", true, SyncAction.None)]
    [InlineData(DesiredPower.Paused, false, DomainState.Absent, "", true, SyncAction.Start)]
    [InlineData(DesiredPower.Stopped, false, DomainState.Running, "cur", true, SyncAction.Shutdown)]
    [InlineData(DesiredPower.Stopped, true, DomainState.Running, "cur", true, SyncAction.Kill)]
    [InlineData(DesiredPower.Stopped, false, DomainState.Paused, "cur", true, SyncAction.Shutdown)]
    [InlineData(DesiredPower.Stopped, false, DomainState.Running, "old", true, SyncAction.Shutdown)]
    [InlineData(DesiredPower.Stopped, false, DomainState.Shutoff, "cur", true, SyncAction.None)]
    [InlineData(DesiredPower.Stopped, false, DomainState.Absent, "", false, SyncAction.None)]
    [InlineData(DesiredPower.Absent, false, DomainState.Running, "cur", true, SyncAction.Delete)]
    [InlineData(DesiredPower.Absent, false, DomainState.Absent, "", true, SyncAction.Delete)]
    [InlineData(DesiredPower.Absent, false, DomainState.Absent, "", false, SyncAction.None)]
    public void DesiredTimesObservedGivesOneAction(DesiredPower power, bool force, DomainState state, string run, bool podExists, SyncAction expected)
    {
        var desired = new VmDesired { Namespace = "ns", Name = "vm", Uid = "u", InstanceId = Run, Power = power, ForceStop = force, Node = "n" };
        var observed = state == DomainState.Absent
            ? ObservedDomain.Absent
            : new ObservedDomain(state, "", "", run == "cur" ? Run : "run-0");
        Assert.Equal(expected, SyncDecision.Decide(desired, observed, podExists));
    }

    [Theory]
    [InlineData(DomainState.Running, true, SyncAction.Delete)]
    [InlineData(DomainState.Absent, true, SyncAction.Delete)]
    [InlineData(DomainState.Absent, false, SyncAction.None)]
    public void AVmThatNoLongerExistsLosesItsDomainAndPod(DomainState state, bool podExists, SyncAction expected)
    {
        var observed = state == DomainState.Absent ? ObservedDomain.Absent : new ObservedDomain(state, "", "", Run);
        Assert.Equal(expected, SyncDecision.Decide(null, observed, podExists));
    }
}
