using System.Text.Json.Nodes;

namespace Orvirt.KubeApiServer;

/// <summary>JSON merge patch (RFC 7386) and JSON patch (RFC 6902) on JSON nodes.</summary>
public static class Patches
{
    /// <summary>Applies a merge patch: objects merge recursively, null removes, anything else replaces.</summary>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        var result = target is JsonObject targetObject ? targetObject.DeepClone().AsObject() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = Merge(result[key], value);
            }
        }
        return result;
    }

    /// <summary>Applies a JSON patch document; a failed operation throws <see cref="ApiException"/> 422 naming it.</summary>
    public static JsonNode Json(JsonNode document, JsonArray operations)
    {
        var root = new JsonObject { ["doc"] = document.DeepClone() };
        for (var i = 0; i < operations.Count; i++)
        {
            var op = operations[i] as JsonObject ?? throw Fail(i, "is not an object");
            var kind = (string?)op["op"] ?? throw Fail(i, "has no \"op\"");
            var path = (string?)op["path"] ?? throw Fail(i, "has no \"path\"");
            switch (kind)
            {
                case "add":
                    Add(root, path, Value(op, i), i);
                    break;
                case "remove":
                    Remove(root, path, i);
                    break;
                case "replace":
                    Remove(root, path, i);
                    Add(root, path, Value(op, i), i);
                    break;
                case "move":
                {
                    var from = (string?)op["from"] ?? throw Fail(i, "has no \"from\"");
                    var moved = Remove(root, from, i);
                    Add(root, path, moved, i);
                    break;
                }
                case "copy":
                {
                    var from = (string?)op["from"] ?? throw Fail(i, "has no \"from\"");
                    Add(root, path, Find(root, from, i)?.DeepClone(), i);
                    break;
                }
                case "test":
                    if (!JsonNode.DeepEquals(Find(root, path, i), op["value"]))
                    {
                        throw Fail(i, $"test failed: the value at {path} differs");
                    }
                    break;
                default:
                    throw Fail(i, $"has unknown op \"{kind}\"");
            }
        }
        return root["doc"]!;
    }

    private static JsonNode? Value(JsonObject op, int index) =>
        op.TryGetPropertyValue("value", out var value) ? value?.DeepClone() : throw Fail(index, "has no \"value\"");

    private static (JsonNode Parent, string Key) Parent(JsonObject root, string pointer, int index)
    {
        if (pointer.Length > 0 && pointer[0] != '/')
        {
            throw Fail(index, $"path \"{pointer}\" must start with '/'");
        }
        var tokens = ("/doc" + pointer).Split('/').Skip(1).Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToList();
        JsonNode? node = root;
        foreach (var token in tokens.Take(tokens.Count - 1))
        {
            node = Child(node, token) ?? throw Fail(index, $"path \"{pointer}\" does not exist");
        }
        return (node!, tokens[^1]);
    }

    private static JsonNode? Child(JsonNode? node, string token) => node switch
    {
        JsonObject obj => obj[token],
        JsonArray array when int.TryParse(token, out var i) && i >= 0 && i < array.Count => array[i],
        _ => null,
    };

    private static JsonNode? Find(JsonObject root, string pointer, int index)
    {
        var (parent, key) = Parent(root, pointer, index);
        return parent switch
        {
            JsonObject obj when obj.TryGetPropertyValue(key, out var v) => v,
            JsonArray array when int.TryParse(key, out var i) && i >= 0 && i < array.Count => array[i],
            _ => throw Fail(index, $"path \"{pointer}\" does not exist"),
        };
    }

    private static void Add(JsonObject root, string pointer, JsonNode? value, int index)
    {
        var (parent, key) = Parent(root, pointer, index);
        switch (parent)
        {
            case JsonObject obj:
                obj[key] = value;
                break;
            case JsonArray array when key == "-":
                array.Add(value);
                break;
            case JsonArray array when int.TryParse(key, out var i) && i >= 0 && i <= array.Count:
                array.Insert(i, value);
                break;
            default:
                throw Fail(index, $"cannot add at \"{pointer}\"");
        }
    }

    private static JsonNode? Remove(JsonObject root, string pointer, int index)
    {
        var (parent, key) = Parent(root, pointer, index);
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(key, out var value):
                obj.Remove(key);
                return value;
            case JsonArray array when int.TryParse(key, out var i) && i >= 0 && i < array.Count:
                var item = array[i];
                array.RemoveAt(i);
                return item;
            default:
                throw Fail(index, $"path \"{pointer}\" does not exist");
        }
    }

    private static ApiException Fail(int index, string message) =>
        new(422, "Invalid", $"the JSON patch operation {index} {message}");
}
