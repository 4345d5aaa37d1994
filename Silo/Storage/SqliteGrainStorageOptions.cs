using Orleans.Storage;

namespace Orvirt.Silo.Storage;

/// <summary>Settings of one <see cref="SqliteGrainStorage"/>.</summary>
public sealed class SqliteGrainStorageOptions
{
    /// <summary>Path of the SQLite file; created with its folder if missing. Required.</summary>
    public string DatabasePath { get; set; } = "";

    /// <summary>
    /// Default <see cref="SqliteSynchronousMode.Full"/>: the API acknowledges a create only after its state is
    /// written, and Full makes that acknowledgement hold through power loss too. Writes are group-committed by
    /// <see cref="SqliteStateDatabase"/>, so concurrent grain writes share one fsync (about 1 ms here; see
    /// bench/RESULTS.md, issue 7). Normal is enough for crash-of-the-process durability.
    /// </summary>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Full;

    /// <summary>Serializer for state payloads. Null (default): Orleans' own serializer, which round-trips immutable collections and records exactly.</summary>
    public IGrainStorageSerializer? Serializer { get; set; }
}
