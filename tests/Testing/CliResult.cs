namespace Orvirt.Testing;

/// <summary>What one run of the <c>orvirt</c> binary produced.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr, string CommandLine)
{
    /// <summary>For assertion messages.</summary>
    public override string ToString() => $"$ {CommandLine}\nexit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
}
