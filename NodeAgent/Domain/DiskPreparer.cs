using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Domain;

/// <summary>Creates a VM's disk files in its pod folder with <c>qemu-img</c>: blank qcow2 for emptyDisk, qcow2 overlays for images.</summary>
public static class DiskPreparer
{
    /// <summary>Creates missing disk files for <paramref name="spec"/> under <paramref name="diskDirectory"/> and returns them in spec order.</summary>
    public static async Task<IReadOnlyList<PreparedDisk>> PrepareAsync(VmSpec spec, string diskDirectory, string imagesDirectory, CancellationToken ct)
    {
        Directory.CreateDirectory(diskDirectory);
        var result = new List<PreparedDisk>(spec.Disks.Length);
        foreach (var disk in spec.Disks)
        {
            var path = Path.Combine(diskDirectory, $"disk-{disk.Name}.qcow2");
            if (!File.Exists(path))
            {
                var tmp = path + ".tmp";
                File.Delete(tmp);
                switch (disk.Source)
                {
                    case DiskSource.EmptyDisk:
                        await RunQemuImgAsync(["create", "-q", "-f", "qcow2", tmp, disk.SizeBytes.ToString(CultureInfo.InvariantCulture)], ct);
                        break;
                    case DiskSource.Image:
                        var baseImage = ImagePathResolver.Resolve(imagesDirectory, disk.ImagePath ?? "");
                        var format = await ImageFormatAsync(baseImage, ct);
                        await RunQemuImgAsync(["create", "-q", "-f", "qcow2", "-F", format, "-b", baseImage, tmp], ct);
                        break;
                    default:
                        throw new DiskPreparationException($"disk '{disk.Name}' has unknown source {(int)disk.Source}; use emptyDisk or image");
                }
                File.Move(tmp, path);
            }
            result.Add(new PreparedDisk(disk.Name, path, disk.Bus));
        }
        return result;
    }

    private static async Task<string> ImageFormatAsync(string image, CancellationToken ct)
    {
        var json = await RunQemuImgAsync(["info", "--output=json", image], ct);
        using var doc = JsonDocument.Parse(json);
        var format = doc.RootElement.GetProperty("format").GetString();
        if (format is not ("qcow2" or "raw"))
        {
            throw new DiskPreparationException($"image '{image}' has format '{format}'; only qcow2 and raw base images are supported");
        }
        return format;
    }

    private static async Task<string> RunQemuImgAsync(IEnumerable<string> args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("qemu-img") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new DiskPreparationException("qemu-img could not be started; install qemu-utils");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
        {
            throw new DiskPreparationException($"qemu-img {string.Join(' ', psi.ArgumentList)} failed ({p.ExitCode}): {(await stderr).Trim()}");
        }
        return await stdout;
    }
}
