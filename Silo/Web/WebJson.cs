using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orvirt.Silo.Web;

/// <summary>JSON settings of the VM page's endpoints: camelCase names and enums as their names.</summary>
public static class WebJson
{
    /// <summary>The shared serializer options (read-only once first used).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}
