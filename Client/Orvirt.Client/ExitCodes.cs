namespace Orvirt.Client;

/// <summary>The exit codes of the <c>orvirt</c> CLI, stable for scripts.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The server failed or could not be reached.</summary>
    public const int ServerError = 1;

    /// <summary>Bad usage or an invalid argument: a flag, a manifest, or INVALID_ARGUMENT from the server.</summary>
    public const int Usage = 2;

    /// <summary>The VM (or namespace) does not exist.</summary>
    public const int NotFound = 3;

    /// <summary>A conflict or a refusal by the VM's state: ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED, RESOURCE_EXHAUSTED.</summary>
    public const int Conflict = 4;

    /// <summary>A wait or a call ran out of time.</summary>
    public const int TimedOut = 5;

    /// <summary>The text the root command's help shows.</summary>
    public const string Help =
        "Exit codes:\n" +
        "  0  ok\n" +
        "  1  server or connection error\n" +
        "  2  usage or invalid argument (bad flags, manifest errors, INVALID_ARGUMENT from the server)\n" +
        "  3  not found\n" +
        "  4  conflict or refused by the VM's state (ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED, RESOURCE_EXHAUSTED)\n" +
        "  5  timed out";
}
