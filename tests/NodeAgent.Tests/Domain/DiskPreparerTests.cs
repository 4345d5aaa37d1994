using System.Diagnostics;
using Orvirt.Interfaces;
using Orvirt.NodeAgent.Domain;

namespace Orvirt.NodeAgent.Tests.Domain;

public sealed class DiskPreparerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ov-disk-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task EmptyDiskAndImageOverlayAreQcow2FilesBackedByTheResolvedImage()
    {
        var images = Directory.CreateDirectory(Path.Combine(_root, "images")).FullName;
        Directory.CreateDirectory(Path.Combine(images, "base"));
        await Run("qemu-img", "create", "-q", "-f", "raw", Path.Combine(images, "base", "tiny.raw"), "1M");
        var pod = Path.Combine(_root, "pod");
        var spec = new VmSpec
        {
            Disks =
            [
                new DiskSpec { Name = "scratch", Source = DiskSource.EmptyDisk, SizeBytes = 4L << 20 },
                new DiskSpec { Name = "root", Source = DiskSource.Image, ImagePath = "base/tiny.raw" },
            ],
        };
        var disks = await DiskPreparer.PrepareAsync(spec, pod, images, CancellationToken.None);
        Assert.Equal(["scratch", "root"], disks.Select(d => d.Name));
        var scratch = await Run("qemu-img", "info", disks[0].Path);
        Assert.Contains("file format: qcow2", scratch, StringComparison.Ordinal);
        Assert.Contains("virtual size: 4 MiB", scratch, StringComparison.Ordinal);
        var overlay = await Run("qemu-img", "info", disks[1].Path);
        Assert.Contains($"backing file: {Path.Combine(images, "base", "tiny.raw")}", overlay, StringComparison.Ordinal);
        Assert.Contains("backing file format: raw", overlay, StringComparison.Ordinal);
    }

    [Fact]
    public void ASymlinkLeavingTheImageFolderIsRefused()
    {
        var images = Directory.CreateDirectory(Path.Combine(_root, "images")).FullName;
        var outside = Path.Combine(_root, "secret.img");
        File.WriteAllText(outside, "x");
        File.CreateSymbolicLink(Path.Combine(images, "link.img"), outside);
        var e = Assert.Throws<DiskPreparationException>(() => ImagePathResolver.Resolve(images, "link.img"));
        Assert.Contains("outside the node's image folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASymlinkedDirectoryLeavingTheImageFolderIsRefused()
    {
        var images = Directory.CreateDirectory(Path.Combine(_root, "images")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(_root, "elsewhere")).FullName;
        File.WriteAllText(Path.Combine(outside, "a.img"), "x");
        Directory.CreateSymbolicLink(Path.Combine(images, "dir"), outside);
        Assert.Throws<DiskPreparationException>(() => ImagePathResolver.Resolve(images, "dir/a.img"));
    }

    [Theory]
    [InlineData("../secret.img", "leaves or confuses")]
    [InlineData("/etc/passwd", "must be relative")]
    [InlineData("missing.img", "was not found")]
    public void BadImagePathsAreRefusedWithTheFix(string path, string expected)
    {
        var images = Directory.CreateDirectory(Path.Combine(_root, "images")).FullName;
        var e = Assert.Throws<DiskPreparationException>(() => ImagePathResolver.Resolve(images, path));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KvmIsDetectedWhenTheDeviceOpensAndTcgOtherwise()
    {
        Assert.Equal(HypervisorKind.Tcg, HypervisorDetector.Detect(Path.Combine(_root, "no-such-kvm")));
        var expected = File.Exists("/dev/kvm") && CanOpen("/dev/kvm") ? HypervisorKind.Kvm : HypervisorKind.Tcg;
        Assert.Equal(expected, HypervisorDetector.Detect());
    }

    private static bool CanOpen(string path)
    {
        try
        {
            using var f = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<string> Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} failed: {await p.StandardError.ReadToEndAsync()}");
        return output;
    }
}
