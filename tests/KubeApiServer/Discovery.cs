using System.Text.Json.Nodes;

namespace Orvirt.KubeApiServer;

/// <summary>The legacy discovery documents (/api, /apis, /apis/g/v, /version) that kubectl and clients read.</summary>
internal static class Discovery
{
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.0-orvirt-test",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.23",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject CoreResources() => new()
    {
        ["kind"] = "APIResourceList",
        ["groupVersion"] = "v1",
        ["resources"] = new JsonArray(new JsonObject
        {
            ["name"] = "namespaces",
            ["singularName"] = "namespace",
            ["namespaced"] = false,
            ["kind"] = "Namespace",
            ["verbs"] = new JsonArray("get", "list"),
            ["shortNames"] = new JsonArray("ns"),
        }),
    };

    public static JsonObject Groups(IEnumerable<ResourceType> types)
    {
        var groups = new JsonArray();
        foreach (var g in types.GroupBy(t => t.Group))
        {
            groups.Add(Group(g.Key, g));
        }
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public static JsonObject Group(string name, IEnumerable<ResourceType> types)
    {
        var versions = new JsonArray();
        foreach (var v in types.Select(t => t.Version).Distinct())
        {
            versions.Add(new JsonObject { ["groupVersion"] = $"{name}/{v}", ["version"] = v });
        }
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = name,
            ["versions"] = versions,
            ["preferredVersion"] = versions[0]!.DeepClone(),
        };
    }

    public static JsonObject Resources(string groupVersion, IEnumerable<ResourceType> types)
    {
        var resources = new JsonArray();
        foreach (var t in types)
        {
            resources.Add(new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
                ["shortNames"] = new JsonArray([.. t.ShortNames.Select(s => (JsonNode?)s)]),
                ["categories"] = new JsonArray([.. t.Categories.Select(s => (JsonNode?)s)]),
            });
            if (t.HasStatusSubresource)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = t.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["kind"] = t.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }
        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = groupVersion, ["resources"] = resources };
    }
}
