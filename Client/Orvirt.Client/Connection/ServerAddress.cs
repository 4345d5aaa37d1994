namespace Orvirt.Client.Connection;

/// <summary>Where the CLI finds the orvirt API: <c>--server</c>, else <c>ORVIRT_SERVER</c>, else <see cref="Default"/>.</summary>
public static class ServerAddress
{
    /// <summary>The address used when neither <c>--server</c> nor <c>ORVIRT_SERVER</c> is set.</summary>
    public const string Default = "http://127.0.0.1:5050";

    /// <summary>The environment variable that names the server.</summary>
    public const string EnvironmentVariable = "ORVIRT_SERVER";

    /// <summary>The environment variable that holds an optional bearer token.</summary>
    public const string TokenVariable = "ORVIRT_TOKEN";

    /// <summary>
    /// Like <see cref="Resolve"/> for a value that may list several servers of a cluster separated by commas
    /// (e.g. <c>http://10.0.0.5:5050,http://10.0.0.6:5050</c>); each is checked and the source is named in an error.
    /// </summary>
    public static IReadOnlyList<Uri> ResolveAll(string? flag, string? environment)
    {
        var (text, source) = !string.IsNullOrWhiteSpace(flag)
            ? (flag, "--server")
            : !string.IsNullOrWhiteSpace(environment)
                ? (environment, EnvironmentVariable)
                : (Default, "the default");
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Any(string.IsNullOrEmpty))
        {
            throw new CliException(ExitCodes.Usage,
                $"{source}: '{text}' has an empty entry; separate server addresses with single commas, e.g. --server http://10.0.0.5:5050,http://10.0.0.6:5050");
        }
        return [.. parts.Select(part => source == "--server" ? Resolve(part, null) : Resolve(null, part))];
    }

    /// <summary>
    /// Picks the address by precedence and checks it. A bare <c>host:port</c> gets <c>http://</c>.
    /// Throws <see cref="CliException"/> (usage) naming the source of a bad value and how to fix it.
    /// </summary>
    public static Uri Resolve(string? flag, string? environment)
    {
        var (text, source) = !string.IsNullOrWhiteSpace(flag)
            ? (flag.Trim(), "--server")
            : !string.IsNullOrWhiteSpace(environment)
                ? (environment.Trim(), EnvironmentVariable)
                : (Default, "the default");
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            throw new CliException(ExitCodes.Usage,
                $"{source}: '{text}' is not a server address; give http(s)://HOST:PORT, e.g. --server {Default}");
        }
        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
        {
            throw new CliException(ExitCodes.Usage,
                $"{source}: '{text}' has a path or query; give only scheme, host and port, e.g. {uri.Scheme}://{uri.Authority}");
        }
        return uri;
    }
}
