using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orvirt.KubeApiServer;

/// <summary>
/// The structural subset of a CRD's openAPIV3Schema that the API server enforces on write, applied in its
/// order: prune unknown fields (except under <c>x-kubernetes-preserve-unknown-fields</c>), drop nulls,
/// apply defaults, then validate type, required, enum, pattern, minimum/maximum and item counts.
/// </summary>
public sealed class StructuralSchema
{
    private static readonly HashSet<string> RootPassThrough = ["apiVersion", "kind", "metadata"];
    private readonly JsonObject _root;

    /// <summary>Wraps an openAPIV3Schema object.</summary>
    public StructuralSchema(JsonObject openApiV3Schema) => _root = openApiV3Schema;

    /// <summary>The schema of a served version in a CustomResourceDefinition document.</summary>
    public static StructuralSchema FromCrd(JsonNode crd, string version)
    {
        var versions = crd["spec"]?["versions"]?.AsArray()
            ?? throw new FormatException("the CRD has no spec.versions");
        var entry = versions.FirstOrDefault(v => (string?)v?["name"] == version)
            ?? throw new FormatException($"the CRD does not serve version {version}");
        var schema = entry["schema"]?["openAPIV3Schema"]?.AsObject()
            ?? throw new FormatException($"version {version} of the CRD has no schema.openAPIV3Schema");
        return new StructuralSchema(schema);
    }

    /// <summary>Prunes, defaults and validates <paramref name="obj"/> in place; returns the failures (empty when valid).</summary>
    public List<SchemaError> Apply(JsonObject obj)
    {
        var errors = new List<SchemaError>();
        VisitObject(obj, _root, "", errors, isRoot: true);
        return errors;
    }

    private static void Visit(JsonNode node, JsonObject schema, string path, List<SchemaError> errors)
    {
        if (IsIntOrString(schema))
        {
            var kind = node.GetValueKind();
            if (kind is not JsonValueKind.String && !IsInteger(node))
            {
                errors.Add(new(path, "FieldValueInvalid", $"Invalid value: {Show(node)}: {path} in body must be of type integer or string: {TypeName(node)}"));
            }
            return;
        }
        var type = (string?)schema["type"];
        switch (type)
        {
            case "object":
                if (node is not JsonObject obj)
                {
                    TypeError(node, path, type, errors);
                    return;
                }
                VisitObject(obj, schema, path, errors, isRoot: false);
                return;
            case "array":
                if (node is not JsonArray array)
                {
                    TypeError(node, path, type, errors);
                    return;
                }
                VisitArray(array, schema, path, errors);
                return;
            case "string":
                if (node.GetValueKind() != JsonValueKind.String)
                {
                    TypeError(node, path, type, errors);
                    return;
                }
                ValidateString(node.GetValue<string>(), schema, path, errors);
                return;
            case "integer":
                if (!IsInteger(node))
                {
                    TypeError(node, path, type, errors);
                    return;
                }
                ValidateNumber(node.GetValue<decimal>(), node, schema, path, errors);
                return;
            case "number":
                if (node.GetValueKind() != JsonValueKind.Number)
                {
                    TypeError(node, path, type, errors);
                    return;
                }
                ValidateNumber(node.GetValue<decimal>(), node, schema, path, errors);
                return;
            case "boolean":
                if (node.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    TypeError(node, path, type, errors);
                }
                return;
            default:
                return;
        }
    }

    private static void VisitObject(JsonObject obj, JsonObject schema, string path, List<SchemaError> errors, bool isRoot)
    {
        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"] as JsonObject;
        var preserve = (bool?)schema["x-kubernetes-preserve-unknown-fields"] == true;
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (isRoot && RootPassThrough.Contains(key))
            {
                continue;
            }
            var value = obj[key];
            var childSchema = properties?[key] as JsonObject ?? additional;
            if (childSchema is null)
            {
                if (!preserve)
                {
                    obj.Remove(key);
                }
                continue;
            }
            if (value is null)
            {
                // Non-nullable fields: the API server drops explicit nulls before defaulting.
                if ((bool?)childSchema["nullable"] != true)
                {
                    obj.Remove(key);
                }
                continue;
            }
            Visit(value, childSchema, Join(path, key), errors);
        }
        if (properties is not null)
        {
            foreach (var (key, childSchema) in properties)
            {
                if (!obj.ContainsKey(key) && childSchema?["default"] is { } defaultValue)
                {
                    var copy = defaultValue.DeepClone();
                    obj[key] = copy;
                    // Defaults are themselves defaulted (an object default gets its children's defaults).
                    Visit(copy, childSchema.AsObject(), Join(path, key), errors);
                }
            }
        }
        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => (string?)r).OfType<string>())
            {
                if (!obj.ContainsKey(name))
                {
                    errors.Add(new(Join(path, name), "FieldValueRequired", "Required value"));
                }
            }
        }
    }

    private static void VisitArray(JsonArray array, JsonObject schema, string path, List<SchemaError> errors)
    {
        if (schema["maxItems"] is { } max && array.Count > (long)max)
        {
            errors.Add(new(path, "FieldValueTooMany", $"Too many: {array.Count}: must have at most {(long)max} items"));
        }
        if (schema["minItems"] is { } min && array.Count < (long)min)
        {
            errors.Add(new(path, "FieldValueInvalid", $"Invalid value: {array.Count}: {path} in body should have at least {(long)min} items"));
        }
        if (schema["items"] is not JsonObject items)
        {
            return;
        }
        for (var i = 0; i < array.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (array[i] is { } item)
            {
                Visit(item, items, itemPath, errors);
            }
            else if ((bool?)items["nullable"] != true)
            {
                errors.Add(new(itemPath, "FieldValueInvalid", $"Invalid value: \"null\": {itemPath} in body must be of type {(string?)items["type"]}: \"null\""));
            }
        }
    }

    private static void ValidateString(string value, JsonObject schema, string path, List<SchemaError> errors)
    {
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => a?.GetValueKind() == JsonValueKind.String && (string?)a == value))
        {
            var list = string.Join(", ", allowed.Select(a => Show(a!)));
            errors.Add(new(path, "FieldValueNotSupported", $"Unsupported value: {JsonSerializer.Serialize(value)}: supported values: {list}"));
        }
        if ((string?)schema["pattern"] is { } pattern && !Regex.IsMatch(value, pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
        {
            errors.Add(new(path, "FieldValueInvalid", $"Invalid value: {JsonSerializer.Serialize(value)}: {path} in body should match '{pattern}'"));
        }
        if (schema["maxLength"] is { } maxLength && value.Length > (long)maxLength)
        {
            errors.Add(new(path, "FieldValueTooLong", $"Too long: may not be more than {(long)maxLength} bytes"));
        }
    }

    private static void ValidateNumber(decimal value, JsonNode node, JsonObject schema, string path, List<SchemaError> errors)
    {
        if (schema["minimum"] is { } min && value < min.GetValue<decimal>())
        {
            errors.Add(new(path, "FieldValueInvalid", $"Invalid value: {Show(node)}: {path} in body should be greater than or equal to {Show(min)}"));
        }
        if (schema["maximum"] is { } max && value > max.GetValue<decimal>())
        {
            errors.Add(new(path, "FieldValueInvalid", $"Invalid value: {Show(node)}: {path} in body should be less than or equal to {Show(max)}"));
        }
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => a is not null && a.GetValueKind() == JsonValueKind.Number && a.GetValue<decimal>() == value))
        {
            errors.Add(new(path, "FieldValueNotSupported", $"Unsupported value: {Show(node)}: supported values: {string.Join(", ", allowed.Select(a => Show(a!)))}"));
        }
    }

    private static void TypeError(JsonNode node, string path, string type, List<SchemaError> errors) =>
        errors.Add(new(path, "FieldValueInvalid", $"Invalid value: \"{TypeName(node)}\": {path} in body must be of type {type}: \"{TypeName(node)}\""));

    private static bool IsIntOrString(JsonObject schema) => (bool?)schema["x-kubernetes-int-or-string"] == true;

    private static bool IsInteger(JsonNode node) =>
        node.GetValueKind() == JsonValueKind.Number && decimal.IsInteger(node.GetValue<decimal>());

    private static string TypeName(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => IsInteger(node) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static string Show(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Number => node.GetValue<decimal>().ToString(CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}
