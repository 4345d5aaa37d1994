using System.Collections.Concurrent;
using Orvirt.NodeAgent.Libvirt;

namespace Orvirt.NodeAgent.Tests.Libvirt;

public sealed class LibvirtBindingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ov-lv-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void DefineStartPauseResumeDestroyUndefineRoundTripsOnTheTestDriver()
    {
        using var conn = OpenPrivate();
        Assert.True(conn.IsAlive);
        using var dom = conn.DefineXml(TestDomainXml("alpha"));
        Assert.Equal("alpha", dom.Name);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", dom.Uuid);
        Assert.Null(dom.Id);
        Assert.Equal(LibvirtDomainState.Shutoff, dom.GetState().State);

        dom.Create();
        Assert.NotNull(dom.Id);
        Assert.Equal(LibvirtDomainState.Running, dom.GetState().State);
        var info = dom.GetInfo();
        Assert.Equal(LibvirtDomainState.Running, info.State);
        Assert.Equal(65536UL, info.MaxMemoryKiB);
        Assert.Equal(2, info.VirtualCpus);

        dom.Suspend();
        Assert.Equal(LibvirtDomainState.Paused, dom.GetState().State);
        dom.Resume();
        Assert.Equal(LibvirtDomainState.Running, dom.GetState().State);
        dom.Shutdown();
        Assert.Equal(LibvirtDomainState.Shutoff, dom.GetState().State);
        dom.Create();
        dom.Destroy();
        var (state, reason) = dom.GetState();
        Assert.Equal(LibvirtDomainState.Shutoff, state);
        Assert.Equal(2, reason); // VIR_DOMAIN_SHUTOFF_DESTROYED

        using (var byName = conn.LookupByName("alpha"))
        using (var byUuid = conn.LookupByUuid(dom.Uuid))
        {
            Assert.Equal(dom.Uuid, byName.Uuid);
            Assert.Equal("alpha", byUuid.Name);
        }
        Assert.Contains("<name>alpha</name>", dom.GetXmlDesc(), StringComparison.Ordinal);
        Assert.Contains(conn.ListAllDomains(), d => d.Name == "alpha");

        dom.Undefine();
        Assert.Null(conn.TryLookupByName("alpha"));
        Assert.DoesNotContain(conn.ListAllDomains(), d => d.Name == "alpha");
    }

    [Fact]
    public void LookupOfAMissingDomainThrowsNoDomainWithLibvirtsMessage()
    {
        using var conn = OpenPrivate();
        var e = Assert.Throws<LibvirtException>(() => conn.LookupByName("nope"));
        Assert.Equal(LibvirtErrorCode.NoDomain, e.Code);
        Assert.True(e.IsNotFound);
        Assert.Equal("virDomainLookupByName", e.Operation);
        Assert.Contains("Domain not found", e.LibvirtMessage, StringComparison.Ordinal);
        Assert.NotEqual(0, e.ErrorDomain);
    }

    [Fact]
    public void DefiningMalformedXmlThrowsAnXmlErrorNamingTheProblem()
    {
        using var conn = OpenPrivate();
        var e = Assert.Throws<LibvirtException>(() => conn.DefineXml("<domain type='test'><name>x</name"));
        Assert.Equal(LibvirtErrorCode.XmlDetail, e.Code);
        Assert.Contains("virDomainDefineXML", e.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(e.LibvirtMessage));
    }

    [Fact]
    public void OpeningAnUnknownDriverThrowsWithTheUri()
    {
        var e = Assert.Throws<LibvirtException>(() => LibvirtConnection.Open("nosuchdriver:///x"));
        Assert.Contains("nosuchdriver:///x", e.Message, StringComparison.Ordinal);
        Assert.NotEqual(LibvirtErrorCode.Ok, e.Code);
    }

    [Fact]
    public void PausingAStoppedDomainFailsSayingItIsNotRunning()
    {
        using var conn = OpenPrivate();
        using var dom = conn.DefineXml(TestDomainXml("beta"));
        var e = Assert.Throws<LibvirtException>(() => dom.Suspend());
        Assert.Contains("not running", e.LibvirtMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void LifecycleEventsArriveInOrder()
    {
        using var conn = OpenPrivate();
        var events = new BlockingCollection<DomainLifecycleEvent>();
        conn.LifecycleEvent += events.Add;

        using (var dom = conn.DefineXml(TestDomainXml("gamma")))
        {
            dom.Create();
            dom.Suspend();
            dom.Resume();
            dom.Destroy();
            dom.Undefine();
        }

        DomainEventType[] expected = [DomainEventType.Defined, DomainEventType.Started, DomainEventType.Suspended, DomainEventType.Resumed, DomainEventType.Stopped, DomainEventType.Undefined];
        var seen = new List<DomainLifecycleEvent>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (seen.Count < expected.Length)
        {
            try
            {
                seen.Add(events.Take(deadline.Token));
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"expected events {string.Join(",", expected)} within 10 s; saw only {string.Join(",", seen.Select(e => e.Type))}");
            }
        }
        Assert.Equal(expected, seen.Select(e => e.Type));
        Assert.All(seen, e => Assert.Equal("gamma", e.DomainName));
        Assert.Equal((int)DomainStoppedDetail.Destroyed, seen[4].Detail);
    }

    [Fact]
    public void PrivateTestConnectionsDoNotShareDomains()
    {
        using var a = OpenPrivate();
        using var b = OpenPrivate();
        using var dom = a.DefineXml(TestDomainXml("only-in-a"));
        Assert.Null(b.TryLookupByName("only-in-a"));
    }

    [Fact]
    public void KeepaliveIsRefusedOrAcceptedWithoutErrorOnTheLocalTestDriver()
    {
        using var conn = OpenPrivate();
        // The test driver has no remote transport: keepalive is reported unsupported (false), never an error.
        Assert.False(conn.SetKeepAlive(2, 3));
    }

    internal static string TestDomainXml(string name) =>
        $"<domain type='test'><name>{name}</name><memory unit='KiB'>65536</memory><vcpu>2</vcpu><os><type>hvm</type></os></domain>";

    private LibvirtConnection OpenPrivate()
    {
        var path = Path.Combine(_dir, $"node-{Guid.NewGuid():N}.xml");
        File.WriteAllText(path, "<node></node>");
        return LibvirtConnection.Open("test://" + path);
    }
}
