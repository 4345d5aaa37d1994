using Microsoft.Data.Sqlite;

namespace Orvirt.Silo.Storage;

/// <summary>
/// One SQLite state file in WAL mode: a single write connection behind a lock (SQLite has one writer
/// anyway, and queuing here avoids its sleeping busy handler) and pooled read connections, which WAL lets
/// run beside the writer.
/// </summary>
public sealed class SqliteStateDatabase : IDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SqliteConnection _writer;
    private readonly string _readConnectionString;

    public SqliteStateDatabase(string path, SqliteSynchronousMode synchronous)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        };
        _readConnectionString = builder.ToString();
        _writer = new SqliteConnection(builder.ToString());
        _writer.Open();
        Execute(_writer, "PRAGMA journal_mode=WAL;");
        Execute(_writer, synchronous == SqliteSynchronousMode.Full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
        Execute(_writer, """
            CREATE TABLE IF NOT EXISTS grain_state (
                grain_type TEXT NOT NULL,
                grain_id   TEXT NOT NULL,
                state_name TEXT NOT NULL,
                payload    BLOB NOT NULL,
                etag       INTEGER NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (grain_type, grain_id, state_name)
            ) WITHOUT ROWID;
            """);
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Runs <paramref name="work"/> on the single write connection, one at a time.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return work(_writer);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Opens a pooled read connection; the caller disposes it.</summary>
    public async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public void Dispose()
    {
        _writer.Dispose();
        _writeLock.Dispose();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
