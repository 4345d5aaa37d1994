using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;

namespace Orvirt.NodeAgent.Tests.Agent;

/// <summary>A graceful stop gives way to a delete that arrives while the agent waits for the guest.</summary>
public sealed class StopInterruptTests
{
    private static VmDesired Desired(long sequence, DesiredPower power) =>
        new() { Namespace = "ns", Name = "vm", Uid = "u", InstanceId = "run-1", Power = power, Node = "n", Sequence = sequence, StopGracePeriodSeconds = 300 };

    [Fact]
    public void ADeleteOfferedDuringTheStopEndsIt()
    {
        var store = new DesiredStore();
        var stopping = Desired(5, DesiredPower.Stopped);
        store.Offer(stopping);
        using var stop = store.InterruptOnDelete(stopping.Id, stopping.Sequence);
        Assert.False(stop.IsRequested);

        Assert.True(store.Offer(Desired(6, DesiredPower.Absent)));

        Assert.True(stop.IsRequested);
        Assert.True(stop.Token.IsCancellationRequested);
    }

    [Fact]
    public void ADeleteThatArrivedBeforeTheStopBeganEndsItAtOnce()
    {
        var store = new DesiredStore();
        store.Offer(Desired(6, DesiredPower.Absent));

        using var stop = store.InterruptOnDelete(new VmId("ns", "vm"), sequence: 5);

        Assert.True(stop.IsRequested);
    }

    [Theory]
    [InlineData(DesiredPower.Running)]
    [InlineData(DesiredPower.Stopped)]
    [InlineData(DesiredPower.Paused)]
    public void ANewerStateThatKeepsTheVmDoesNotEndTheStop(DesiredPower power)
    {
        var store = new DesiredStore();
        store.Offer(Desired(5, DesiredPower.Stopped));
        using var stop = store.InterruptOnDelete(new VmId("ns", "vm"), 5);

        store.Offer(Desired(6, power));

        Assert.False(stop.IsRequested);
    }

    [Fact]
    public void AnotherVmsDeleteDoesNotEndTheStopAndADeleteAfterTheStopIsHarmless()
    {
        var store = new DesiredStore();
        store.Offer(Desired(5, DesiredPower.Stopped));
        var stop = store.InterruptOnDelete(new VmId("ns", "vm"), 5);

        store.Offer(Desired(9, DesiredPower.Absent) with { Name = "other", Uid = "u2" });
        Assert.False(stop.IsRequested);

        stop.Dispose();
        Assert.True(store.Offer(Desired(6, DesiredPower.Absent)));
    }
}
