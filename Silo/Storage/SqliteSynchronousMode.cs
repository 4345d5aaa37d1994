namespace Orvirt.Silo.Storage;

/// <summary>SQLite's <c>PRAGMA synchronous</c> for the state file (always in WAL mode).</summary>
public enum SqliteSynchronousMode
{
    /// <summary>fsync the WAL on every commit: an acknowledged write survives a process kill, an OS crash and power loss.</summary>
    Full = 0,
    /// <summary>fsync only at checkpoints: survives a process kill, but the last commits may roll back after power loss or an OS crash.</summary>
    Normal = 1,
}
