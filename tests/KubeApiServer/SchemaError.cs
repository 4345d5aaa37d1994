namespace Orvirt.KubeApiServer;

/// <summary>One schema failure in the API server's words: the field path, the cause reason (<c>FieldValueRequired</c>, <c>FieldValueNotSupported</c>, <c>FieldValueInvalid</c>, <c>FieldValueTooMany</c>) and the message.</summary>
public sealed record SchemaError(string Field, string Reason, string Message)
{
    /// <summary>The line the real API server prints, e.g. <c>spec.template: Required value</c>.</summary>
    public override string ToString() => $"{Field}: {Message}";
}
