using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Orvirt.Client.Output;

/// <summary>Writes one resource tree as JSON or YAML; YAML strings that would read back as another type are quoted.</summary>
public static partial class StructuredWriter
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions Compact = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [GeneratedRegex(@"^([-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|null|Null|NULL|~)$", RegexOptions.CultureInvariant)]
    private static partial Regex LooksLikeNonString();

    /// <summary>Writes <paramref name="node"/> in <paramref name="format"/> (JSON or YAML).</summary>
    public static void Write(JsonNode node, OutputFormat format, TextWriter output)
    {
        switch (format)
        {
            case OutputFormat.Json:
                WriteJson(node, output);
                break;
            case OutputFormat.Yaml:
                WriteYaml(node, output);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "only JSON and YAML are structured formats");
        }
    }

    /// <summary>Indented JSON followed by a newline.</summary>
    public static void WriteJson(JsonNode node, TextWriter output) => output.WriteLine(node.ToJsonString(Indented));

    /// <summary>JSON on one line (for a stream of events).</summary>
    public static void WriteJsonLine(JsonNode node, TextWriter output) => output.WriteLine(node.ToJsonString(Compact));

    /// <summary>YAML block style, one document without markers.</summary>
    public static void WriteYaml(JsonNode node, TextWriter output)
    {
        var emitter = new Emitter(output);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, true));
        Emit(emitter, node);
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonObject obj:
                emitter.Emit(new MappingStart(null, null, true, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    EmitString(emitter, key);
                    Emit(emitter, value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(null, null, true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array)
                {
                    Emit(emitter, item);
                }
                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                EmitString(emitter, value.GetValue<string>());
                break;
            case JsonValue value:
                var text = value.GetValueKind() switch
                {
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => value.ToJsonString(),
                };
                emitter.Emit(new Scalar(null, null, text, ScalarStyle.Plain, true, false));
                break;
        }
    }

    private static void EmitString(IEmitter emitter, string value)
    {
        var quote = value.Length == 0 || LooksLikeNonString().IsMatch(value);
        emitter.Emit(new Scalar(null, null, value, quote ? ScalarStyle.DoubleQuoted : ScalarStyle.Any, true, true));
    }

    /// <summary>Invariant-culture number text, for tables.</summary>
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
