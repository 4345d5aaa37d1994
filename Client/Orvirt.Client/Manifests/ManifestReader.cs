using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Orvirt.Client.Manifests;

/// <summary>Reads a YAML stream of VirtualMachine documents separated by <c>---</c>; empty documents are skipped.</summary>
public static class ManifestReader
{
    /// <summary>Parses and converts every document. A YAML syntax error becomes a single problem on field <c>yaml</c> with its line.</summary>
    public static IReadOnlyList<ManifestDocument> Read(TextReader input, ManifestOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var stream = new YamlStream();
        try
        {
            stream.Load(input);
        }
        catch (YamlException e)
        {
            var line = (int)e.Start.Line;
            return [new ManifestDocument(0, line, null, [new ManifestProblem("yaml", $"not valid YAML: {Reason(e)}; fix the syntax near line {line}, column {e.Start.Column}", line)])];
        }
        var documents = new List<ManifestDocument>();
        foreach (var document in stream.Documents)
        {
            if (YamlObject.IsNull(document.RootNode))
            {
                continue;
            }
            documents.Add(VirtualMachineManifest.Convert(document.RootNode, options, documents.Count));
        }
        return documents;
    }

    /// <summary>Parses and converts the documents in <paramref name="text"/>.</summary>
    public static IReadOnlyList<ManifestDocument> Read(string text, ManifestOptions? options = null)
    {
        using var reader = new StringReader(text);
        return Read(reader, options);
    }

    private static string Reason(YamlException e)
    {
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (...): "; keep only the reason.
        var message = e.InnerException?.Message ?? e.Message;
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 ? message[(cut + 3)..] : message;
    }
}
