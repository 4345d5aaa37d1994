using System.Net;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Orvirt.KubeApiServer;

namespace Orvirt.Kubernetes.Tests;

public sealed class LeaseTests
{
    [Fact]
    public async Task LeasesSupportCreateReadReplaceWithOptimisticConcurrency()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var created = await k.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease { Metadata = new V1ObjectMeta { Name = "sync" }, Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15 } }, "orvirt-system");

        var read = await k.CoordinationV1.ReadNamespacedLeaseAsync("sync", "orvirt-system");
        read.Spec.HolderIdentity = "b";
        var replaced = await k.CoordinationV1.ReplaceNamespacedLeaseAsync(read, "sync", "orvirt-system");
        created.Spec.HolderIdentity = "c";
        var stale = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "sync", "orvirt-system"));

        Assert.Equal("b", replaced.Spec.HolderIdentity);
        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);
        Assert.Equal("b", (await k.CoordinationV1.ReadNamespacedLeaseAsync("sync", "orvirt-system")).Spec.HolderIdentity);
    }

    [Fact]
    public async Task OfTwoLeaderElectorsExactlyOneLeadsAndTheOtherTakesOverWhenItStops()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var duration = TimeSpan.FromSeconds(2);
        LeaderElector Elector(string id) => new(new LeaderElectionConfig(new LeaseLock(k, "orvirt-system", "orvirt-sync", id))
        {
            LeaseDuration = duration,
            RenewDeadline = TimeSpan.FromMilliseconds(1500),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });
        using var a = Elector("silo-a");
        using var b = Elector("silo-b");
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunAndTryToHoldLeadershipForeverAsync(stopA.Token);
        var runB = b.RunAndTryToHoldLeadershipForeverAsync(stopB.Token);
        try
        {
            await Eventually.Until(() => a.IsLeader() || b.IsLeader(), "one elector to lead");
            Assert.False(a.IsLeader() && b.IsLeader(), "both electors lead at once");
            var (leader, follower, stopLeader, followerId) = a.IsLeader() ? (a, b, stopA, "silo-b") : (b, a, stopB, "silo-a");
            var lease = await k.CoordinationV1.ReadNamespacedLeaseAsync("orvirt-sync", "orvirt-system");
            Assert.NotEqual(followerId, lease.Spec.HolderIdentity);

            await stopLeader.CancelAsync();
            await Eventually.Until(follower.IsLeader, "the other elector to take over", timeout: duration * 5);

            lease = await k.CoordinationV1.ReadNamespacedLeaseAsync("orvirt-sync", "orvirt-system");
            Assert.Equal(followerId, lease.Spec.HolderIdentity);
            Assert.True(lease.Spec.LeaseTransitions >= 1, $"leaseTransitions is {lease.Spec.LeaseTransitions}");
        }
        finally
        {
            await stopA.CancelAsync();
            await stopB.CancelAsync();
            await Task.WhenAll(runA, runB).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
