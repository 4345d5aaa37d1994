using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Orvirt.Silo.Storage;

/// <summary>
/// Grain storage in one SQLite table. Each row is (grain type, grain id, state name) → Orleans-serialized
/// payload and an integer ETag that rises with every write. A write or clear carrying another ETag than the
/// stored one throws <see cref="InconsistentStateException"/>, so two activations cannot overwrite each other.
/// </summary>
public sealed partial class SqliteGrainStorage : IGrainStorage
{
    private const string InsertSql = """
        INSERT INTO grain_state (grain_type, grain_id, state_name, payload, etag, updated_at)
        VALUES ($type, $id, $state, $payload, 1, $now)
        ON CONFLICT DO NOTHING;
        """;

    private const string UpdateSql = """
        UPDATE grain_state SET payload = $payload, etag = etag + 1, updated_at = $now
        WHERE grain_type = $type AND grain_id = $id AND state_name = $state AND etag = $etag;
        """;

    private const string CountSql = "SELECT COUNT(*) FROM grain_state WHERE grain_type = $type AND grain_id = $id AND state_name = $state;";

    private const string DeleteSql = "DELETE FROM grain_state WHERE grain_type = $type AND grain_id = $id AND state_name = $state AND etag = $etag;";

    private readonly string _name;
    private readonly SqliteStateDatabase _database;
    private readonly IGrainStorageSerializer _serializer;
    private readonly ILogger<SqliteGrainStorage> _logger;

    public SqliteGrainStorage(string name, SqliteStateDatabase database, IGrainStorageSerializer serializer, ILogger<SqliteGrainStorage> logger)
    {
        _name = name;
        _database = database;
        _serializer = serializer;
        _logger = logger;
    }

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var (type, id) = Key(grainId);
        await using var connection = await _database.OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload, etag FROM grain_state WHERE grain_type = $type AND grain_id = $id AND state_name = $state;";
        AddKey(command, type, id, stateName);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        var payload = (byte[])reader.GetValue(0);
        var etag = reader.GetInt64(1);
        grainState.State = _serializer.Deserialize<T>(new BinaryData(payload));
        grainState.ETag = FormatEtag(etag);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var (type, id) = Key(grainId);
        var payload = _serializer.Serialize(grainState.State).ToArray();
        var expected = ParseEtag(grainState.ETag, grainId);
        var written = await _database.WriteAsync(_ =>
        {
            var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            if (expected is null)
            {
                // No ETag: the caller believes no record exists. Insert, or find one and report the conflict.
                var insert = _database.Command(InsertSql, "$type", "$id", "$state", "$payload", "$now");
                Bind(insert, type, id, stateName);
                insert.Parameters["$payload"].Value = payload;
                insert.Parameters["$now"].Value = now;
                return insert.ExecuteNonQuery() == 1 ? 1L : (long?)null;
            }
            var update = _database.Command(UpdateSql, "$type", "$id", "$state", "$payload", "$now", "$etag");
            Bind(update, type, id, stateName);
            update.Parameters["$payload"].Value = payload;
            update.Parameters["$now"].Value = now;
            update.Parameters["$etag"].Value = expected.Value;
            return update.ExecuteNonQuery() == 1 ? expected.Value + 1 : (long?)null;
        }, cancellationToken).ConfigureAwait(false);

        if (written is null)
        {
            throw await ConflictAsync("write", stateName, grainId, grainState.ETag, cancellationToken).ConfigureAwait(false);
        }
        grainState.ETag = FormatEtag(written.Value);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var (type, id) = Key(grainId);
        var expected = ParseEtag(grainState.ETag, grainId);
        var ok = await _database.WriteAsync(_ =>
        {
            if (expected is null)
            {
                // Nothing was read: succeed only if there is nothing to clear.
                var count = _database.Command(CountSql, "$type", "$id", "$state");
                Bind(count, type, id, stateName);
                return Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture) == 0;
            }
            var delete = _database.Command(DeleteSql, "$type", "$id", "$state", "$etag");
            Bind(delete, type, id, stateName);
            delete.Parameters["$etag"].Value = expected.Value;
            return delete.ExecuteNonQuery() == 1;
        }, cancellationToken).ConfigureAwait(false);

        if (!ok)
        {
            throw await ConflictAsync("clear", stateName, grainId, grainState.ETag, cancellationToken).ConfigureAwait(false);
        }
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private async Task<InconsistentStateException> ConflictAsync(string operation, string stateName, GrainId grainId, string? presented, CancellationToken cancellationToken)
    {
        var (type, id) = Key(grainId);
        await using var connection = await _database.OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT etag FROM grain_state WHERE grain_type = $type AND grain_id = $id AND state_name = $state;";
        AddKey(command, type, id, stateName);
        var stored = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long s ? FormatEtag(s) : null;
        LogConflict(_logger, _name, operation, grainId.ToString(), stateName, presented ?? "(none)", stored ?? "(none)");
        return new InconsistentStateException(
            $"SQLite storage '{_name}': {operation} of '{stateName}' for {grainId} presented ETag {presented ?? "(none)"} but the stored ETag is {stored ?? "(no record)"}; another activation changed it. Re-read the state and retry.",
            stored ?? "",
            presented ?? "");
    }

    private static (string Type, string Id) Key(GrainId grainId) => (grainId.Type.ToString()!, grainId.Key.ToString()!);

    private static void Bind(SqliteCommand command, string type, string id, string stateName)
    {
        command.Parameters["$type"].Value = type;
        command.Parameters["$id"].Value = id;
        command.Parameters["$state"].Value = stateName;
    }

    private static void AddKey(SqliteCommand command, string type, string id, string stateName)
    {
        command.Parameters.AddWithValue("$type", type);
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$state", stateName);
    }

    private static string FormatEtag(long etag) => etag.ToString(CultureInfo.InvariantCulture);

    private static long? ParseEtag(string? etag, GrainId grainId)
    {
        if (etag is null)
        {
            return null;
        }
        return long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InconsistentStateException($"ETag '{etag}' for {grainId} was not issued by the SQLite storage; re-read the state.", "", etag);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite storage {Storage}: {Operation} of {StateName} for {GrainId} refused: presented ETag {Presented}, stored {Stored}")]
    private static partial void LogConflict(ILogger logger, string storage, string operation, string grainId, string stateName, string presented, string stored);
}
