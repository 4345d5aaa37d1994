using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orvirt.KubeApiServer;

/// <summary>Renders objects as a <c>meta.k8s.io/v1 Table</c> with the CRD's printer columns, as <c>kubectl get</c> asks for.</summary>
internal static class TableConverter
{
    public static bool Wants(string? accept) =>
        accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    public static JsonObject Convert(ResourceType type, IEnumerable<JsonObject> items, long resourceVersion, DateTimeOffset now)
    {
        var columns = new JsonArray
        {
            new JsonObject
            {
                ["name"] = "Name", ["type"] = "string", ["format"] = "name",
                ["description"] = "Name must be unique within a namespace.", ["priority"] = 0,
            },
        };
        foreach (var column in type.PrinterColumns)
        {
            columns.Add(new JsonObject
            {
                ["name"] = (string?)column["name"],
                ["type"] = (string?)column["type"],
                ["format"] = (string?)column["format"] ?? "",
                ["description"] = (string?)column["description"] ?? "",
                ["priority"] = (int?)column["priority"] ?? 0,
            });
        }
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var cells = new JsonArray { (string?)item["metadata"]?["name"] };
            foreach (var column in type.PrinterColumns)
            {
                cells.Add(Cell(item, (string)column["jsonPath"]!, (string?)column["type"], now));
            }
            var metadata = item["metadata"]!.DeepClone();
            rows.Add(new JsonObject
            {
                ["cells"] = cells,
                ["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = metadata,
                },
            });
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["columnDefinitions"] = columns,
            ["rows"] = rows,
        };
    }

    private static JsonNode? Cell(JsonObject item, string jsonPath, string? type, DateTimeOffset now)
    {
        JsonNode? node = item;
        foreach (var part in jsonPath.TrimStart('.').Split('.'))
        {
            node = node is JsonObject obj ? obj[part] : null;
        }
        if (node is null)
        {
            return null;
        }
        if (type == "date" && node.GetValueKind() == JsonValueKind.String
            && DateTimeOffset.TryParse((string)node!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return HumanDuration(now - at);
        }
        return node.GetValueKind() switch
        {
            JsonValueKind.String => (string?)node,
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => node.DeepClone(),
        };
    }

    /// <summary>An age the way kubectl prints it: 45s, 3m12s, 2h5m, 4d.</summary>
    internal static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)Math.Max(0, d.TotalSeconds);
        if (seconds < 120)
        {
            return $"{seconds}s";
        }
        var minutes = seconds / 60;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        }
        if (minutes < 180)
        {
            return $"{minutes}m";
        }
        var hours = minutes / 60;
        if (hours < 8)
        {
            return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        }
        if (hours < 48)
        {
            return $"{hours}h";
        }
        var days = hours / 24;
        if (days < 8)
        {
            return hours % 24 == 0 ? $"{days}d" : $"{days}d{hours % 24}h";
        }
        return days < 365 * 2 ? $"{days}d" : $"{days / 365}y{days % 365}d";
    }
}
