using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;

namespace Orvirt.NodeAgent.Tests.Agent;

public sealed class DesiredStoreTests
{
    private static VmDesired D(long seq, string uid = "u1", DesiredPower power = DesiredPower.Running) =>
        new() { Namespace = "ns", Name = "vm", Uid = uid, Sequence = seq, Power = power };

    [Fact]
    public void LatestSequenceWinsAndOlderOrEqualOnesAreIgnored()
    {
        var store = new DesiredStore();
        Assert.True(store.Offer(D(2)));
        Assert.False(store.Offer(D(1)));
        Assert.False(store.Offer(D(2, power: DesiredPower.Stopped)));
        Assert.Equal(DesiredPower.Running, store.Get(new VmId("ns", "vm"))!.Power);
        Assert.True(store.Offer(D(5, power: DesiredPower.Stopped)));
        Assert.Equal(5, store.Get(new VmId("ns", "vm"))!.Sequence);
    }

    [Fact]
    public void AMessageNotAboveTheLastAppliedForTheUidIsIgnoredEvenAfterForget()
    {
        var store = new DesiredStore();
        store.Offer(D(7));
        store.MarkApplied(D(7));
        store.Forget(new VmId("ns", "vm"));
        Assert.False(store.Offer(D(6)));
        Assert.False(store.Offer(D(7)));
        Assert.True(store.Offer(D(8)));
        Assert.Equal(7, store.AppliedSequence("u1"));
    }

    [Fact]
    public void ARecreatedVmWithANewUidStartsItsOwnSequence()
    {
        var store = new DesiredStore();
        store.Offer(D(9, "old"));
        store.MarkApplied(D(9, "old"));
        Assert.True(store.Offer(D(1, "new")));
        Assert.Equal("new", store.Get(new VmId("ns", "vm"))!.Uid);
    }
}
