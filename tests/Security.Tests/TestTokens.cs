using System.Security.Cryptography;

namespace Orvirt.Security.Tests;

/// <summary>Fresh random tokens for one silo and the token file that grants them.</summary>
public sealed record TestTokens(string Admin, string Viewer, string TeamA, string Wrong)
{
    /// <summary>The one namespace <see cref="TeamA"/> may touch.</summary>
    public const string TeamANamespace = "team-a";

    public static TestTokens Create() => new(New(), New(), New(), New());

    /// <summary>Admin everywhere, viewer everywhere, admin on team-a only; <see cref="Wrong"/> is not listed.</summary>
    public string FileText() => $"# orvirt tokens\n{Admin} admin\n{Viewer} viewer\n{TeamA} admin {TeamANamespace}\n";

    public IEnumerable<string> All => [Admin, Viewer, TeamA, Wrong];

    private static string New() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
}
