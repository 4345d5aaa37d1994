using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Orvirt.Client.Manifests;

/// <summary>
/// Reads one YAML mapping field by field and remembers which keys were read, so that every key left over
/// can be reported by its full path instead of being dropped.
/// </summary>
internal sealed class YamlObject
{
    private readonly YamlMappingNode _node;
    private readonly List<ManifestProblem> _problems;
    private readonly HashSet<string> _handled = new(StringComparer.Ordinal);

    public YamlObject(YamlMappingNode node, string path, List<ManifestProblem> problems)
    {
        _node = node;
        Path = path;
        _problems = problems;
    }

    public string Path { get; }

    public int Line => LineOf(_node);

    public string Child(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>The value under <paramref name="key"/>; null when absent or YAML null.</summary>
    public YamlNode? Take(string key)
    {
        _handled.Add(key);
        foreach (var (k, v) in _node.Children)
        {
            if (k is YamlScalarNode { Value: { } name } && name == key)
            {
                return IsNull(v) ? null : v;
            }
        }
        return null;
    }

    public bool Has(string key) => Find(key) is { } v && !IsNull(v);

    public YamlObject? Object(string key)
    {
        var node = Take(key);
        switch (node)
        {
            case null:
                return null;
            case YamlMappingNode mapping:
                return new YamlObject(mapping, Child(key), _problems);
            default:
                Problem(key, node, "must be a mapping (key: value pairs)");
                return null;
        }
    }

    public string? String(string key)
    {
        var node = Take(key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode scalar:
                return scalar.Value ?? "";
            default:
                Problem(key, node, "must be a single value, not a list or mapping");
                return null;
        }
    }

    public int? Int(string key, int min, int max)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Problem(key, Find(key), $"'{Printable(text)}' is not a whole number from {min} to {max}");
            return null;
        }
        return value;
    }

    public bool? Bool(string key)
    {
        var text = String(key);
        return text switch
        {
            null => null,
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            _ => Fail(),
        };

        bool? Fail()
        {
            Problem(key, Find(key), $"'{Printable(text)}' is not true or false");
            return null;
        }
    }

    /// <summary>A list whose items are mappings; non-mapping items are reported.</summary>
    public List<YamlObject>? List(string key)
    {
        var node = Take(key);
        switch (node)
        {
            case null:
                return null;
            case YamlSequenceNode sequence:
                var items = new List<YamlObject>();
                var i = 0;
                foreach (var item in sequence.Children)
                {
                    var itemPath = $"{Child(key)}[{i}]";
                    if (item is YamlMappingNode mapping)
                    {
                        items.Add(new YamlObject(mapping, itemPath, _problems));
                    }
                    else
                    {
                        _problems.Add(new(itemPath, "must be a mapping (key: value pairs)", LineOf(item)));
                    }
                    i++;
                }
                return items;
            default:
                Problem(key, node, "must be a list");
                return null;
        }
    }

    /// <summary>A mapping of strings to strings (labels, nodeSelector).</summary>
    public Dictionary<string, string>? StringMap(string key)
    {
        var node = Take(key);
        switch (node)
        {
            case null:
                return null;
            case YamlMappingNode mapping:
                var result = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in mapping.Children)
                {
                    var name = (k as YamlScalarNode)?.Value ?? "";
                    if (v is YamlScalarNode scalar)
                    {
                        result[name] = scalar.Value ?? "";
                    }
                    else
                    {
                        _problems.Add(new($"{Child(key)}[{Printable(name)}]", "must be a single string value", LineOf(v)));
                    }
                }
                return result;
            default:
                Problem(key, node, "must be a mapping of strings, e.g. 'app: web'");
                return null;
        }
    }

    /// <summary>Marks keys as known but deliberately unused (server-owned or informational).</summary>
    public void Ignore(params string[] keys)
    {
        foreach (var key in keys)
        {
            _handled.Add(key);
        }
    }

    /// <summary>Reports <paramref name="key"/>, when present, as unsupported with a specific hint.</summary>
    public void Unsupported(string key, string message)
    {
        _handled.Add(key);
        foreach (var (k, v) in _node.Children)
        {
            if (k is YamlScalarNode { Value: { } name } && name == key)
            {
                _problems.Add(new(Child(key), message, LineOf(k)));
            }
        }
    }

    /// <summary>Reports every key not read, ignored or reported yet.</summary>
    public void RejectUnknown(string supported)
    {
        foreach (var (k, v) in _node.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            if (_handled.Add(name))
            {
                _problems.Add(new(Child(Printable(name)), $"is not supported by orvirt; remove it (supported here: {supported})", LineOf(k)));
            }
        }
    }

    public void Problem(string key, YamlNode? at, string message) =>
        _problems.Add(new(Child(key), message, at is null ? Line : LineOf(at)));

    public static int LineOf(YamlNode node) => node.Start.Equals(Mark.Empty) ? 0 : (int)node.Start.Line;

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    public static string Printable(string value)
    {
        var s = value.Length > 60 ? value[..60] + "…" : value;
        return string.Concat(s.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }

    private YamlNode? Find(string key)
    {
        foreach (var (k, v) in _node.Children)
        {
            if (k is YamlScalarNode { Value: { } name } && name == key)
            {
                return v;
            }
        }
        return null;
    }
}
