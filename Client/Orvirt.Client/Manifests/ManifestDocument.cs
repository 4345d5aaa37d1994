using Orvirt.Api.V1;

namespace Orvirt.Client.Manifests;

/// <summary>One converted YAML document: the request to send, or the problems that prevent it.</summary>
/// <param name="Index">0-based position of the document in its stream.</param>
/// <param name="Line">1-based line where the document starts.</param>
/// <param name="Request">The request; null when <paramref name="Problems"/> is not empty.</param>
/// <param name="Problems">Every problem found, each naming its field.</param>
public sealed record ManifestDocument(int Index, int Line, ApplyRequest? Request, IReadOnlyList<ManifestProblem> Problems)
{
    /// <summary>True when the document converted without problems.</summary>
    public bool IsValid => Request is not null && Problems.Count == 0;

    /// <summary><c>namespace/name</c> when known, else <c>document N</c>, for messages.</summary>
    public string Describe() =>
        Request is { } r ? $"virtualmachine/{r.Name} in namespace {r.Namespace}" : $"document {Index + 1} (line {Line})";
}
