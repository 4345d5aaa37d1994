namespace Orvirt.Silo.Storage;

/// <summary>Shares one <see cref="SqliteStateDatabase"/> per file between the named storages that use it (e.g. "orvirt" and "PubSubStore").</summary>
public sealed class SqliteStateDatabaseRegistry : IDisposable
{
    private readonly Dictionary<string, SqliteStateDatabase> _databases = new(StringComparer.Ordinal);

    /// <summary>The database for <paramref name="path"/>, opened on first use. The first caller's synchronous mode wins.</summary>
    public SqliteStateDatabase Get(string path, SqliteSynchronousMode synchronous)
    {
        var full = Path.GetFullPath(path);
        lock (_databases)
        {
            if (!_databases.TryGetValue(full, out var db))
            {
                db = new SqliteStateDatabase(full, synchronous);
                _databases.Add(full, db);
            }
            return db;
        }
    }

    public void Dispose()
    {
        lock (_databases)
        {
            foreach (var db in _databases.Values)
            {
                db.Dispose();
            }
            _databases.Clear();
        }
    }
}
