using Orleans.Storage;

namespace Orvirt.Silo.Storage;

/// <summary>Settings of one <see cref="SqliteGrainStorage"/>.</summary>
public sealed class SqliteGrainStorageOptions
{
    /// <summary>Path of the SQLite file; created with its folder if missing. Required.</summary>
    public string DatabasePath { get; set; } = "";

    /// <summary>
    /// Default <see cref="SqliteSynchronousMode.Normal"/> (WAL, fsync at checkpoints only): an acknowledged write
    /// survives a kill -9 of the silo, but the last commits may roll back after an OS crash or power loss. A create
    /// writes several grain states, and with <see cref="SqliteSynchronousMode.Full"/> each of those commits waited
    /// for an fsync, serialized behind the single writer; that fsync was the largest cost of a create (issue 7,
    /// bench/RESULTS.md). Choose Full where an acknowledgement must also hold through power loss.
    /// </summary>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Full;

    /// <summary>Serializer for state payloads. Null (default): Orleans' own serializer, which round-trips immutable collections and records exactly.</summary>
    public IGrainStorageSerializer? Serializer { get; set; }
}
