using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Kubernetes;

/// <summary>
/// Renames the validator's field paths (the API's model: <c>spec.memory</c>, <c>spec.disks[0].capacity</c>) to where
/// the field is in a VirtualMachine CR (<c>spec.template.spec.domain.memory.guest</c>, <c>spec.template.spec.volumes[0].emptyDisk.capacity</c>),
/// so a Failure condition names what the user has to edit.
/// </summary>
internal static partial class CrFieldPaths
{
    private const string Template = "spec.template.spec";
    private const string Domain = Template + ".domain";

    [GeneratedRegex(@"^spec\.(disks|interfaces)\[(\d+)\](?:\.(\w+))?(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Indexed();

    public static FieldViolation ToCr(FieldViolation violation, JsonObject cr) =>
        violation with { Field = Map(violation.Field, cr) };

    private static string Map(string field, JsonObject cr)
    {
        if (Indexed().Match(field) is { Success: true } m)
        {
            var index = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            var leaf = m.Groups[3].Value;
            if (m.Groups[1].Value == "interfaces")
            {
                return $"{Domain}.devices.interfaces[{index}]" + (leaf.Length == 0 ? "" : leaf == "binding" ? ".masquerade" : "." + leaf) + m.Groups[4].Value;
            }
            var disk = $"{Domain}.devices.disks[{index}]";
            var volume = VolumePath(cr, index);
            return leaf switch
            {
                "bus" => disk + ".disk.bus",
                "name" or "" => disk + (leaf.Length == 0 ? "" : ".name"),
                "capacity" => volume + ".emptyDisk.capacity",
                "image" => volume + ".image.path",
                _ => volume,
            };
        }
        return field switch
        {
            "spec.memory" => cr["spec"]?["template"]?["spec"]?["domain"]?["memory"]?["guest"] is null
                && cr["spec"]?["template"]?["spec"]?["domain"]?["resources"]?["requests"]?["memory"] is not null
                    ? Domain + ".resources.requests.memory"
                    : Domain + ".memory.guest",
            "spec.cpu" => Domain + ".cpu",
            "spec.disks" => Domain + ".devices.disks",
            "spec.interfaces" => Domain + ".devices.interfaces",
            "spec.terminationGracePeriodSeconds" => Template + ".terminationGracePeriodSeconds",
            _ when field.StartsWith("spec.nodeSelector", StringComparison.Ordinal) => Template + field["spec".Length..],
            _ => field,
        };
    }

    /// <summary>The path of the volume that backs disk <paramref name="diskIndex"/> (found by the disk's name).</summary>
    private static string VolumePath(JsonObject cr, int diskIndex)
    {
        var name = (string?)cr["spec"]?["template"]?["spec"]?["domain"]?["devices"]?["disks"]?[diskIndex]?["name"];
        var volumes = cr["spec"]?["template"]?["spec"]?["volumes"] as JsonArray;
        var index = volumes?.Select((v, i) => (Name: (string?)v?["name"], Index: i)).FirstOrDefault(v => v.Name == name && name is not null).Index ?? -1;
        return index >= 0 && volumes is not null && (string?)volumes[index]?["name"] == name
            ? $"{Template}.volumes[{index}]"
            : $"{Template}.volumes";
    }
}
