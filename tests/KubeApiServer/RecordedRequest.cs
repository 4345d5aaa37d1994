namespace Orvirt.KubeApiServer;

/// <summary>A request the server received: method, path and query string (with its leading '?', or empty).</summary>
public sealed record RecordedRequest(string Method, string Path, string Query)
{
    /// <summary>True for a watch (<c>?watch=1</c> or <c>?watch=true</c>).</summary>
    public bool IsWatch => Query.Contains("watch=1", StringComparison.Ordinal) || Query.Contains("watch=true", StringComparison.Ordinal);
}
