namespace Orvirt.Client.Manifests;

/// <summary>One thing wrong with a manifest: the full path of the field (e.g. <c>spec.template.spec.domain.devices.gpus</c>), what is wrong and how to fix it.</summary>
/// <param name="Field">The field's full path in the document; <c>yaml</c> for a syntax error.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
/// <param name="Line">The 1-based line in the input, when known.</param>
public sealed record ManifestProblem(string Field, string Message, int? Line = null)
{
    /// <summary><c>field (line N): message</c>.</summary>
    public override string ToString() =>
        Line is { } line ? $"{Field} (line {line}): {Message}" : $"{Field}: {Message}";
}
