using System.Collections.Immutable;
using Orvirt.Interfaces;

namespace Orvirt.Interfaces.Tests;

public sealed class VmValidatorTests
{
    private static readonly VmId Good = new("default", "web-1");

    private static VmSpec Spec(Func<VmSpec, VmSpec>? change = null) => (change ?? (s => s))(new VmSpec());

    [Fact]
    public void DefaultSpecWithAGoodNameIsValid()
    {
        Assert.Empty(VmValidator.Validate(Good, Spec()));
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("../x")]
    [InlineData("a<b")]
    [InlineData("")]
    [InlineData("vm-ü")]
    [InlineData("-lead")]
    [InlineData("trail-")]
    [InlineData("a.b")]
    public void NamesThatAreNotDns1123LabelsAreRefusedNamingTheField(string name)
    {
        var errors = VmValidator.Validate(new VmId("default", name), Spec());
        var error = Assert.Single(errors);
        Assert.Equal("metadata.name", error.Field);
        Assert.StartsWith("name ", error.Description);
        Assert.Contains("lower-case letters", error.Description);
        Assert.Contains("e.g. 'my-vm'", error.Description);
    }

    [Fact]
    public void A64CharacterNameIsRefusedAndA63CharacterNameIsAccepted()
    {
        Assert.Equal("metadata.name", Assert.Single(VmValidator.Validate(new VmId("default", new string('a', 64)), Spec())).Field);
        Assert.Empty(VmValidator.Validate(new VmId("default", new string('a', 63)), Spec()));
    }

    [Fact]
    public void ABadNamespaceIsRefusedNamingTheNamespaceField()
    {
        Assert.Equal("metadata.namespace", Assert.Single(VmValidator.Validate(new VmId("Prod", "vm"), Spec())).Field);
    }

    [Theory]
    [InlineData(0L, "below the minimum")]
    [InlineData(15L << 20, "below the minimum")]
    [InlineData((1L << 40) + 1, "above the maximum")]
    [InlineData(2L << 40, "above the maximum")]
    public void MemoryOutsideTheBoundsIsRefused(long bytes, string why)
    {
        var error = Assert.Single(VmValidator.Validate(Good, Spec(s => s with { MemoryBytes = bytes })));
        Assert.Equal("spec.memory", error.Field);
        Assert.Contains(why, error.Description);
    }

    [Theory]
    [InlineData(16L << 20)]
    [InlineData(1L << 40)]
    public void MemoryAtTheBoundsIsAccepted(long bytes)
    {
        Assert.Empty(VmValidator.Validate(Good, Spec(s => s with { MemoryBytes = bytes })));
    }

    [Fact]
    public void TheMaximumMemoryComesFromTheLimits()
    {
        var limits = new ValidationLimits { MaxMemoryBytes = 1L << 30 };
        Assert.Equal("spec.memory", Assert.Single(VmValidator.Validate(Good, Spec(s => s with { MemoryBytes = 2L << 30 }), limits)).Field);
    }

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(1, 0, 1)]
    [InlineData(1, 513, 1)]
    [InlineData(2, 257, 1)]
    [InlineData(-1, 1, 1)]
    public void CpuZeroOrAbove512IsRefused(int sockets, int cores, int threads)
    {
        var spec = Spec(s => s with { Cpu = new CpuTopology { Sockets = sockets, Cores = cores, Threads = threads } });
        Assert.Equal("spec.cpu", Assert.Single(VmValidator.Validate(Good, spec)).Field);
    }

    [Fact]
    public void CpuOf512IsAccepted()
    {
        Assert.Empty(VmValidator.Validate(Good, Spec(s => s with { Cpu = new CpuTopology { Cores = 512 } })));
    }

    [Fact]
    public void AnUnknownRunStrategyIsRefusedListingTheKnownOnes()
    {
        var error = Assert.Single(VmValidator.Validate(Good, Spec(s => s with { RunStrategy = (RunStrategy)42 })));
        Assert.Equal("spec.runStrategy", error.Field);
        Assert.Contains("RerunOnFailure", error.Description);
    }

    [Fact]
    public void DuplicateDiskNamesAreRefusedAtTheSecondDisk()
    {
        var disk = new DiskSpec { Name = "data", Source = DiskSource.EmptyDisk, SizeBytes = 1L << 30 };
        var error = Assert.Single(VmValidator.Validate(Good, Spec(s => s with { Disks = [disk, disk] })));
        Assert.Equal("spec.disks[1].name", error.Field);
        Assert.Contains("used twice", error.Description);
    }

    [Fact]
    public void DuplicateInterfaceNamesAreRefusedAtTheSecondInterface()
    {
        var nic = new InterfaceSpec { Name = "default" };
        var error = Assert.Single(VmValidator.Validate(Good, Spec(s => s with { Interfaces = [nic, nic] })));
        Assert.Equal("spec.interfaces[1].name", error.Field);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("images/../../x")]
    [InlineData("a//b")]
    [InlineData("./a")]
    [InlineData("a\\b")]
    [InlineData("")]
    [InlineData("a\u0000b")]
    public void ImagePathsOutsideTheImageFolderAreRefused(string path)
    {
        var disk = new DiskSpec { Name = "root", Source = DiskSource.Image, ImagePath = path };
        var error = Assert.Single(VmValidator.Validate(Good, Spec(s => s with { Disks = [disk] })));
        Assert.Equal("spec.disks[0].image", error.Field);
    }

    [Theory]
    [InlineData("cirros.qcow2")]
    [InlineData("base/debian-12.qcow2")]
    public void ImagePathsInsideTheImageFolderAreAccepted(string path)
    {
        var disk = new DiskSpec { Name = "root", Source = DiskSource.Image, ImagePath = path };
        Assert.Empty(VmValidator.Validate(Good, Spec(s => s with { Disks = [disk] })));
    }

    [Fact]
    public void AnEmptyDiskWithoutCapacityIsRefused()
    {
        var disk = new DiskSpec { Name = "scratch", Source = DiskSource.EmptyDisk };
        Assert.Equal("spec.disks[0].capacity", Assert.Single(VmValidator.Validate(Good, Spec(s => s with { Disks = [disk] }))).Field);
    }

    [Fact]
    public void BadLabelsAndNodeSelectorsAreRefusedNamingTheKey()
    {
        var spec = Spec(s => s with
        {
            Labels = ImmutableDictionary<string, string>.Empty.Add("app", "bad value"),
            NodeSelector = ImmutableDictionary<string, string>.Empty.Add("-x", "y"),
        });
        var errors = VmValidator.Validate(Good, spec).Select(e => e.Field).Order().ToArray();
        Assert.Equal(["metadata.labels[app]", "spec.nodeSelector[-x]"], errors);
    }

    [Fact]
    public void HugeLabelMapsAreRefusedAsAWhole()
    {
        var labels = Enumerable.Range(0, 1000).ToImmutableDictionary(i => $"k{i}", i => "v");
        Assert.Equal("metadata.labels", Assert.Single(VmValidator.Validate(Good, Spec(s => s with { Labels = labels }))).Field);
    }
}
