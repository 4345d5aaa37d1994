using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Orvirt.KubeApiServer;

/// <summary>Reads YAML documents into JSON the way Kubernetes does: plain scalars that look like numbers, booleans or null keep those types; quoted scalars stay strings.</summary>
public static class YamlJson
{
    /// <summary>Every non-empty document of a (multi-document) YAML text, as JSON.</summary>
    public static List<JsonNode> ReadDocuments(string yaml)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(yaml))
        {
            stream.Load(reader);
        }
        var documents = new List<JsonNode>();
        foreach (var document in stream.Documents)
        {
            if (ToJson(document.RootNode) is { } node)
            {
                // Re-read as parsed JSON so that every value behaves like one from a request body.
                documents.Add(JsonNode.Parse(node.ToJsonString())!);
            }
        }
        return documents;
    }

    /// <summary>The single document of a YAML text; throws when there is not exactly one.</summary>
    public static JsonNode ReadSingle(string yaml)
    {
        var documents = ReadDocuments(yaml);
        return documents.Count == 1
            ? documents[0]
            : throw new FormatException($"expected one YAML document, found {documents.Count}");
    }

    private static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    obj[name] = ToJson(value);
                }
                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(ToJson(item));
                }
                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new FormatException($"unsupported YAML node {node.NodeType} at {node.Start}");
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }
        if (text.Any(c => c is '.' or 'e' or 'E')
            && char.IsAsciiDigit(text[^1])
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return JsonValue.Create(real);
        }
        return JsonValue.Create(text);
    }
}
