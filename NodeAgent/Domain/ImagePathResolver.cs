using System.Runtime.InteropServices;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Domain;

/// <summary>Resolves an image path relative to the node's image folder, refusing anything whose real path leaves it.</summary>
public static partial class ImagePathResolver
{
    /// <summary>The real absolute path of <paramref name="relativePath"/> inside <paramref name="imagesDirectory"/>; throws <see cref="DiskPreparationException"/> naming the fix otherwise.</summary>
    public static string Resolve(string imagesDirectory, string relativePath)
    {
        if (VmValidator.ImagePathError(relativePath) is { } error)
        {
            throw new DiskPreparationException($"image path {error}");
        }
        var root = RealPath(imagesDirectory)
            ?? throw new DiskPreparationException($"the node's image folder '{imagesDirectory}' does not exist; create it or start the agent with --images pointing at an existing folder");
        var candidate = Path.Combine(root, relativePath);
        var real = RealPath(candidate)
            ?? throw new DiskPreparationException($"image '{VmValidator.Printable(relativePath)}' was not found in the node's image folder '{root}'; copy the image there or fix the path");
        var prefix = root.EndsWith('/') ? root : root + "/";
        if (!real.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new DiskPreparationException($"image '{VmValidator.Printable(relativePath)}' resolves to '{real}', outside the node's image folder '{root}' (a symlink leaves it); put the image itself inside the folder");
        }
        if (!File.Exists(real))
        {
            throw new DiskPreparationException($"image '{VmValidator.Printable(relativePath)}' is not a regular file in '{root}'; name an image file");
        }
        return real;
    }

    private static unsafe string? RealPath(string path)
    {
        var p = realpath(path, nint.Zero);
        if (p == nint.Zero)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(p);
        }
        finally
        {
            NativeMemory.Free((void*)p);
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint realpath(string path, nint resolved);
}
