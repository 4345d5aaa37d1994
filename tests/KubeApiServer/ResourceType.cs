using System.Text.Json.Nodes;

namespace Orvirt.KubeApiServer;

/// <summary>A resource the fake API server serves: its names, scope, schema and subresources.</summary>
public sealed record ResourceType
{
    /// <summary>API group, empty for the core group.</summary>
    public required string Group { get; init; }
    /// <summary>Served version, e.g. <c>v1alpha1</c>.</summary>
    public required string Version { get; init; }
    /// <summary>Plural resource name used in URLs.</summary>
    public required string Plural { get; init; }
    /// <summary>Singular name (discovery).</summary>
    public required string Singular { get; init; }
    /// <summary>Object kind.</summary>
    public required string Kind { get; init; }
    /// <summary>Short names, e.g. <c>vm</c>.</summary>
    public IReadOnlyList<string> ShortNames { get; init; } = [];
    /// <summary>Categories, e.g. <c>all</c>.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];
    /// <summary>True for namespaced resources.</summary>
    public bool Namespaced { get; init; } = true;
    /// <summary>True for custom resources: strategic merge patch is refused with 415 and metadata.generation is kept.</summary>
    public bool IsCustom { get; init; }
    /// <summary>True when the resource has a <c>/status</c> subresource.</summary>
    public bool HasStatusSubresource { get; init; }
    /// <summary>The schema writes are pruned, defaulted and validated against; null for built-in resources.</summary>
    public StructuralSchema? Schema { get; init; }
    /// <summary>The CRD's additionalPrinterColumns (name, type, jsonPath, description, format, priority).</summary>
    public IReadOnlyList<JsonObject> PrinterColumns { get; init; } = [];

    /// <summary><c>group/version</c>, or <c>version</c> for the core group.</summary>
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary><c>plural.group</c> as Status messages name the resource.</summary>
    public string QualifiedName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>Leases, as coordination.k8s.io/v1 serves them.</summary>
    public static ResourceType Leases { get; } = new()
    {
        Group = "coordination.k8s.io",
        Version = "v1",
        Plural = "leases",
        Singular = "lease",
        Kind = "Lease",
    };

    /// <summary>The served, storage version of a CustomResourceDefinition document.</summary>
    public static ResourceType FromCrd(JsonNode crd)
    {
        var spec = crd["spec"] ?? throw new FormatException("the CRD has no spec");
        var names = spec["names"] ?? throw new FormatException("the CRD has no spec.names");
        var version = spec["versions"]!.AsArray().First(v => (bool?)v!["storage"] == true)!;
        var versionName = (string)version["name"]!;
        return new ResourceType
        {
            Group = (string)spec["group"]!,
            Version = versionName,
            Plural = (string)names["plural"]!,
            Singular = (string?)names["singular"] ?? ((string)names["kind"]!).ToLowerInvariant(),
            Kind = (string)names["kind"]!,
            ShortNames = names["shortNames"]?.AsArray().Select(n => (string)n!).ToList() ?? [],
            Categories = names["categories"]?.AsArray().Select(n => (string)n!).ToList() ?? [],
            Namespaced = (string?)spec["scope"] != "Cluster",
            IsCustom = true,
            HasStatusSubresource = version["subresources"]?["status"] is not null,
            Schema = StructuralSchema.FromCrd(crd, versionName),
            PrinterColumns = version["additionalPrinterColumns"]?.AsArray().Select(c => c!.AsObject()).ToList() ?? [],
        };
    }
}
