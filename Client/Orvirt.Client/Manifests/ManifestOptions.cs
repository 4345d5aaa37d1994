namespace Orvirt.Client.Manifests;

/// <summary>How manifests are converted.</summary>
public sealed record ManifestOptions
{
    /// <summary>
    /// The namespace for documents without <c>metadata.namespace</c>. Default <c>default</c>.
    /// </summary>
    public string DefaultNamespace { get; init; } = "default";

    /// <summary>
    /// When true (the CLI's explicit <c>-n</c>), a document whose <c>metadata.namespace</c> differs from
    /// <see cref="DefaultNamespace"/> is a problem instead of winning. Default false.
    /// </summary>
    public bool NamespaceIsExplicit { get; init; }

    /// <summary>The defaults.</summary>
    public static readonly ManifestOptions Default = new();
}
