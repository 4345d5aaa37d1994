using Orvirt.Interfaces;
using Orvirt.NodeAgent.Agent;

namespace Orvirt.NodeAgent.Tests.Agent;

/// <summary>The pure fence bookkeeping: which answers start a cleanup, which desired states are void, what is left over.</summary>
public sealed class NodeFenceTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 1, 0, 0, TimeSpan.Zero);

    private static NodeInfo Ready(long epoch) => new() { Name = "node-a", Registered = true, Ready = true, Reason = "AgentReady", Epoch = epoch };

    private static NodeInfo Fenced(long epoch) => new() { Name = "node-a", Registered = true, Ready = false, Reason = "Fenced", Fenced = true, Epoch = epoch };

    private static VmDesired AtEpoch(long epoch) => AgentControllerTests.Desired("web", 1) with { Epoch = epoch };

    [Fact]
    public void AReadyNodeNeedsNothingAndVoidsNothing()
    {
        var fence = new NodeFence(Lease);
        Assert.Equal(FenceStep.None, fence.Observe(Ready(1), T0));
        Assert.Equal((false, (long?)null), (fence.IsFenced, fence.FencedAtEpoch));
        Assert.False(fence.IsVoid(AtEpoch(1)));
    }

    [Fact]
    public void AFencedAnswerVoidsEverythingUntilUnfencedAndOlderEpochsForGood()
    {
        var fence = new NodeFence(Lease);
        fence.Observe(Ready(1), T0);
        Assert.Equal(FenceStep.CleanUp, fence.Observe(Fenced(2), T0));
        Assert.Equal(2, fence.FencedAtEpoch);
        // While fenced nothing counts, whatever its epoch.
        Assert.True(fence.IsVoid(AtEpoch(1)));
        Assert.True(fence.IsVoid(AtEpoch(2)));
        // Every answer while fenced asks for the cleanup again (the confirmation may have been deferred).
        Assert.Equal(FenceStep.CleanUp, fence.Observe(Fenced(2), T0));

        Assert.Equal(FenceStep.Unfenced, fence.Observe(Ready(3), T0));
        Assert.Equal((false, (long?)null), (fence.IsFenced, fence.FencedAtEpoch));
        // A late message of a run from before the fence must never start; new assignments do.
        Assert.True(fence.IsVoid(AtEpoch(1)));
        Assert.False(fence.IsVoid(AtEpoch(3)));
        Assert.Equal(FenceStep.None, fence.Observe(Ready(3), T0));
    }

    [Fact]
    public void AFenceAtANewEpochReplacesTheEpochToConfirm()
    {
        var fence = new NodeFence(Lease);
        fence.Observe(Fenced(2), T0);
        fence.Observe(Fenced(4), T0);
        Assert.Equal((4L, 4L), (fence.FencedAtEpoch!.Value, fence.VoidBelowEpoch));
    }

    [Theory]
    // Never seen Ready: no start.
    [InlineData(false, false, 0, false)]
    // Ready answer to a request sent 1 s ago, lease 6 s: starts allowed.
    [InlineData(true, false, 1, true)]
    // The same answer at the end of the lease, and just after it.
    [InlineData(true, false, 6, true)]
    [InlineData(true, false, 7, false)]
    // Ready before, fenced now: no start whatever the time.
    [InlineData(true, true, 1, false)]
    public void StartsNeedAReadyAnswerWithinTheLease(bool seenReady, bool fencedAfter, int secondsLater, bool mayStart)
    {
        var fence = new NodeFence(Lease);
        if (seenReady)
        {
            fence.Observe(Ready(1), T0);
        }
        if (fencedAfter)
        {
            fence.Observe(Fenced(2), T0);
        }
        Assert.Equal(mayStart, fence.MayStart(T0.AddSeconds(secondsLater)));
    }

    [Fact]
    public void AReadyAnswerToAnOlderRequestDoesNotExtendTheLease()
    {
        var fence = new NodeFence(Lease);
        fence.Observe(Ready(1), T0.AddSeconds(5));
        fence.Observe(Ready(1), T0);
        Assert.True(fence.MayStart(T0.AddSeconds(11)));
        Assert.False(fence.MayStart(T0.AddSeconds(12)));
    }

    [Fact]
    public void DeferredVmsAreHandedOutOnce()
    {
        var fence = new NodeFence(Lease);
        VmId a = new("ns", "a");
        fence.Defer(a);
        fence.Defer(a);
        Assert.Equal([a], fence.TakeDeferred());
        Assert.Empty(fence.TakeDeferred());
    }

    [Fact]
    public void LeftoversArePodsAndDomainsTheAssignmentsDoNotList()
    {
        VmId a = new("ns", "a"), b = new("ns", "b"), c = new("ns", "c");
        Assert.Equal([a, c], NodeFence.Leftovers([b], podsOnDisk: [a, b], existingDomains: [c, a]));
        Assert.Empty(NodeFence.Leftovers([a, b], podsOnDisk: [a], existingDomains: [b]));
    }
}
