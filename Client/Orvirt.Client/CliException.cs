namespace Orvirt.Client;

/// <summary>A failure to show to the user: the message (which names the field and the fix) and the exit code.</summary>
public sealed class CliException : Exception
{
    /// <summary>Creates the failure.</summary>
    public CliException(int exitCode, string message)
        : base(message) => ExitCode = exitCode;

    /// <summary>One of <see cref="ExitCodes"/>.</summary>
    public int ExitCode { get; }
}
