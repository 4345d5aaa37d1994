using System.Collections.Frozen;
using System.Reflection;

namespace Orvirt.Silo.Web;

/// <summary>
/// The VM page's files (<c>Silo/wwwroot</c>), embedded in the silo assembly so that the page is served from the
/// binary wherever it runs, with no front-end build and no files to deploy beside it.
/// </summary>
public sealed class EmbeddedAssets
{
    private const string Prefix = "wwwroot/";
    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    private readonly FrozenDictionary<string, byte[]> _files;

    public EmbeddedAssets() : this(typeof(EmbeddedAssets).Assembly)
    {
    }

    public EmbeddedAssets(Assembly assembly)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files["/" + name[Prefix.Length..]] = copy.ToArray();
        }
        _files = files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The paths served, e.g. <c>/index.html</c>, <c>/app.js</c>.</summary>
    public IEnumerable<string> Paths => _files.Keys;

    /// <summary>The file at <paramref name="path"/> as a result with its content type, or 404.</summary>
    public IResult Serve(string path)
    {
        if (!_files.TryGetValue(path, out var content))
        {
            return Results.NotFound();
        }
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");
        return Results.Bytes(content, type);
    }
}
