using Orvirt.NodeAgent.Libvirt;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Tests.Pods;

public sealed class TestPodRuntimeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ov-tp-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task PodsAreCreatedIdempotentlyListedConnectableAndRemoved()
    {
        var runtime = new TestPodRuntime(_root);
        await runtime.EnsurePodAsync("abc123", CancellationToken.None);
        await runtime.EnsurePodAsync("abc123", CancellationToken.None);
        Assert.True(runtime.IsAlive("abc123"));
        Assert.Equal(["abc123"], runtime.ListPods());
        using (var conn = LibvirtConnection.Open(runtime.ConnectionUri("abc123")))
        {
            Assert.Empty(conn.ListAllDomains());
        }
        await runtime.RemovePodAsync("abc123", CancellationToken.None);
        Assert.False(runtime.IsAlive("abc123"));
        Assert.Empty(runtime.ListPods());
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("ABC")]
    [InlineData("")]
    public void UnsafePodIdsAreRefused(string id)
    {
        var e = Assert.Throws<ArgumentException>(() => new TestPodRuntime(_root).PodDirectory(id));
        Assert.Contains("[a-z0-9]", e.Message, StringComparison.Ordinal);
    }
}
