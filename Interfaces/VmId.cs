namespace Orvirt.Interfaces;

/// <summary>A VM's identity: namespace and name. The grain key is <c>namespace/name</c>.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.VmId")]
public readonly record struct VmId([property: Id(0)] string Namespace, [property: Id(1)] string Name)
{
    public string Key => $"{Namespace}/{Name}";

    public override string ToString() => Key;

    /// <summary>Parses a grain key of the form <c>namespace/name</c>.</summary>
    public static VmId Parse(string key)
    {
        var slash = key.IndexOf('/');
        if (slash <= 0 || slash == key.Length - 1 || key.IndexOf('/', slash + 1) >= 0)
        {
            throw new FormatException($"VM key '{key}' must be 'namespace/name'.");
        }
        return new VmId(key[..slash], key[(slash + 1)..]);
    }
}
