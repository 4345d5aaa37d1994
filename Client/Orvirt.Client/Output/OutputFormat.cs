namespace Orvirt.Client.Output;

/// <summary>How a command prints objects: a table for people, JSON or YAML for scripts.</summary>
public enum OutputFormat
{
    /// <summary>Aligned columns (the default).</summary>
    Table = 0,

    /// <summary>The resource as indented JSON; a list is <c>{"apiVersion":"v1","kind":"List","items":[...]}</c>.</summary>
    Json = 1,

    /// <summary>The resource as YAML, shaped so that <c>orvirt apply -f</c> accepts it back.</summary>
    Yaml = 2,
}
