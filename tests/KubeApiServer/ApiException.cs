using System.Text.Json.Nodes;

namespace Orvirt.KubeApiServer;

/// <summary>A request failure that the server answers with a <c>Status</c> object, as the real one does.</summary>
public sealed class ApiException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public JsonObject? Details { get; } = details;

    /// <summary>The <c>Status</c> body.</summary>
    public JsonObject ToStatus() => Status(Code, Reason, Message, Details);

    /// <summary>A <c>meta/v1 Status</c> failure object.</summary>
    public static JsonObject Status(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (details is not null)
        {
            status["details"] = details;
        }
        return status;
    }

    public static ApiException NotFound(ResourceType type, string name) => new(404, "NotFound",
        $"{type.QualifiedName} \"{name}\" not found", DetailsOf(type, name));

    public static ApiException AlreadyExists(ResourceType type, string name) => new(409, "AlreadyExists",
        $"{type.QualifiedName} \"{name}\" already exists", DetailsOf(type, name));

    public static ApiException Conflict(ResourceType type, string name) => new(409, "Conflict",
        $"Operation cannot be fulfilled on {type.QualifiedName} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
        DetailsOf(type, name));

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>422 Invalid listing every field error, formatted like the real server.</summary>
    public static ApiException Invalid(ResourceType type, string name, IReadOnlyList<SchemaError> errors)
    {
        var causes = new JsonArray();
        foreach (var e in errors)
        {
            causes.Add(new JsonObject { ["reason"] = e.Reason, ["message"] = e.Message, ["field"] = e.Field });
        }
        var details = DetailsOf(type, name);
        details["kind"] = type.Kind;
        details["causes"] = causes;
        var list = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors) + "]";
        return new(422, "Invalid", $"{type.Kind}.{type.Group} \"{name}\" is invalid: {list}", details);
    }

    private static JsonObject DetailsOf(ResourceType type, string name) => new()
    {
        ["name"] = name,
        ["group"] = type.Group,
        ["kind"] = type.Plural,
    };
}
