using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Orvirt.Silo.Storage;

/// <summary>
/// One SQLite state file in WAL mode: a single write connection (SQLite has one writer anyway, and queuing here
/// avoids its sleeping busy handler) and pooled read connections, which WAL lets run beside the writer.
/// Writes are group-committed: one loop takes every write queued while the previous commit ran and runs them in
/// one transaction, each inside its own savepoint (a failing write rolls back alone), so that concurrent grain
/// writes share one commit and, with synchronous=FULL, one fsync. A caller's task completes only after the commit
/// holding its write. The loop's statements, and those the writes take from <see cref="Command"/>, stay prepared on
/// the write connection, so that SQLite parses each SQL text once.
/// </summary>
public sealed class SqliteStateDatabase : IDisposable
{
    /// <summary>Most writes in one transaction; bounds the time a commit holds back the writes behind it.</summary>
    private const int MaxBatch = 256;
    private readonly Channel<(Func<SqliteConnection, Action> Run, Action<Exception> Fail)> _queue =
        Channel.CreateUnbounded<(Func<SqliteConnection, Action> Run, Action<Exception> Fail)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection _writer;
    /// <summary>Commands of the write connection by SQL text, kept prepared; used by the write loop only.</summary>
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private bool _inWriteLoop;
    private readonly string _readConnectionString;
    private readonly Task _writeLoop;

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
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>
    /// Runs <paramref name="work"/> on the single write connection, one at a time, inside a transaction shared with
    /// the writes queued beside it; completes once that transaction is committed. An exception thrown by
    /// <paramref name="work"/> undoes only its own changes and reaches only this caller.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Action Run(SqliteConnection connection)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = work(connection);
            return () => done.TrySetResult(result);
        }
        if (!_queue.Writer.TryWrite((Run, e => done.TrySetException(e))))
        {
            throw new ObjectDisposedException(nameof(SqliteStateDatabase), $"the SQLite state file {Path} is closed; the silo is shutting down");
        }
        return done.Task;
    }

    /// <summary>
    /// The write connection's command for <paramref name="sql"/>, created on first use and then kept, so that SQLite
    /// parses and plans the statement once and a later write only binds its parameters. Only for the work given to
    /// <see cref="WriteAsync{T}"/> (it runs on the write loop, one at a time); set the value of every parameter named
    /// in <paramref name="parameters"/> before executing it, and do not dispose it.
    /// </summary>
    public SqliteCommand Command(string sql, params ReadOnlySpan<string> parameters)
    {
        if (!_inWriteLoop)
        {
            throw new InvalidOperationException("a kept write command is only for the work passed to WriteAsync; open a connection of your own elsewhere");
        }
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _writer.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
            _commands[sql] = command;
        }
        return command;
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
        // Writes already queued are still committed; later ones are refused.
        _queue.Writer.TryComplete();
        _writeLoop.Wait(TimeSpan.FromSeconds(30));
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        _writer.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<(Func<SqliteConnection, Action> Run, Action<Exception> Fail)>(MaxBatch);
        var completions = new List<Action>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            completions.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            _inWriteLoop = true;
            try
            {
                // Raw BEGIN/COMMIT rather than SqliteTransaction: the writes' commands need no transaction object.
                Run("BEGIN IMMEDIATE;");
                foreach (var (run, fail) in batch)
                {
                    Run("SAVEPOINT write;");
                    try
                    {
                        completions.Add(run(_writer));
                        Run("RELEASE write;");
                    }
                    catch (Exception e) when (e is SqliteException or OperationCanceledException or InvalidOperationException or ArgumentException)
                    {
                        Run("ROLLBACK TO write;");
                        Run("RELEASE write;");
                        completions.Add(() => fail(e));
                    }
                }
                Run("COMMIT;");
            }
            catch (Exception e)
            {
                TryRollback();
                foreach (var (_, fail) in batch)
                {
                    fail(e);
                }
                continue;
            }
            finally
            {
                _inWriteLoop = false;
            }
            foreach (var complete in completions)
            {
                complete();
            }
        }
    }

    private void Run(string sql) => Command(sql).ExecuteNonQuery();

    private void TryRollback()
    {
        try
        {
            Execute(_writer, "ROLLBACK;");
        }
        catch (SqliteException)
        {
            // No transaction was open (BEGIN failed, or SQLite already rolled back).
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
