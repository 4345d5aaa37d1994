extern alias silo;

using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Storage;
using Orvirt.Interfaces;
using silo::Orvirt.Silo.Storage;

namespace Orvirt.Silo.Tests.Storage;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private const string StateName = "vm";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("orvirt-sqlite-");
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(VmSnapshot).Assembly))
        .BuildServiceProvider();
    private readonly List<SqliteStateDatabaseRegistry> _registries = [];

    private string DatabasePath => Path.Combine(_dir.FullName, "orvirt.db");

    [Fact]
    public async Task WrittenStateReadsBackEqualWithItsEtag()
    {
        var storage = Open();
        var id = GrainId.Create("vm", "default/web-1");
        var written = new GrainState<VmSnapshot> { State = Snapshot("web-1") };

        await storage.WriteStateAsync(StateName, id, written);
        var read = new GrainState<VmSnapshot>();
        await storage.ReadStateAsync(StateName, id, read);

        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.NotNull(read.ETag);
        Assert.Equal("web-1", read.State!.Name);
        Assert.Equal(written.State!.Spec.MemoryBytes, read.State!.Spec.MemoryBytes);
        Assert.Equal(written.State!.Spec.Disks.AsEnumerable(), read.State!.Spec.Disks.AsEnumerable());
        Assert.Equal(written.State!.Spec.Labels.OrderBy(kv => kv.Key), read.State!.Spec.Labels.OrderBy(kv => kv.Key));
    }

    [Fact]
    public async Task ReadingAMissingRecordLeavesNoEtag()
    {
        var storage = Open();
        var read = new GrainState<VmSnapshot>();

        await storage.ReadStateAsync(StateName, GrainId.Create("vm", "default/none"), read);

        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task WriteWithAStaleEtagIsRefusedAndKeepsTheNewerState()
    {
        var storage = Open();
        var id = GrainId.Create("vm", "default/race");
        await storage.WriteStateAsync(StateName, id, new GrainState<VmSnapshot> { State = Snapshot("race") });
        var first = new GrainState<VmSnapshot>();
        var second = new GrainState<VmSnapshot>();
        await storage.ReadStateAsync(StateName, id, first);
        await storage.ReadStateAsync(StateName, id, second);

        first.State = first.State! with { Generation = 2 };
        await storage.WriteStateAsync(StateName, id, first);
        second.State = second.State! with { Generation = 99 };
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, id, second));

        Assert.Equal(first.ETag, error.StoredEtag);
        var now = new GrainState<VmSnapshot>();
        await storage.ReadStateAsync(StateName, id, now);
        Assert.Equal(2, now.State!.Generation);
    }

    [Fact]
    public async Task InsertingWithoutEtagOverAnExistingRecordIsRefused()
    {
        var storage = Open();
        var id = GrainId.Create("vm", "default/dup");
        await storage.WriteStateAsync(StateName, id, new GrainState<VmSnapshot> { State = Snapshot("dup") });

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            storage.WriteStateAsync(StateName, id, new GrainState<VmSnapshot> { State = Snapshot("dup") with { Generation = 7 } }));
    }

    [Fact]
    public async Task ClearRemovesTheRecordAndAStaleClearIsRefused()
    {
        var storage = Open();
        var id = GrainId.Create("vm", "default/gone");
        var state = new GrainState<VmSnapshot> { State = Snapshot("gone") };
        await storage.WriteStateAsync(StateName, id, state);
        var stale = new GrainState<VmSnapshot> { ETag = state.ETag };
        await storage.WriteStateAsync(StateName, id, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, id, stale));
        await storage.ClearStateAsync(StateName, id, state);

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        var read = new GrainState<VmSnapshot>();
        await storage.ReadStateAsync(StateName, id, read);
        Assert.False(read.RecordExists);
        // After a clear the grain can write a fresh record.
        await storage.WriteStateAsync(StateName, id, new GrainState<VmSnapshot> { State = Snapshot("gone") });
    }

    [Fact]
    public async Task StatesOfDifferentGrainsAndStateNamesAreKeptApart()
    {
        var storage = Open();
        await storage.WriteStateAsync(StateName, GrainId.Create("vm", "default/a"), new GrainState<VmSnapshot> { State = Snapshot("a") });
        await storage.WriteStateAsync("other", GrainId.Create("vm", "default/a"), new GrainState<VmSnapshot> { State = Snapshot("a-other") });
        await storage.WriteStateAsync(StateName, GrainId.Create("node", "default/a"), new GrainState<VmSnapshot> { State = Snapshot("a-node") });

        var read = new GrainState<VmSnapshot>();
        await storage.ReadStateAsync(StateName, GrainId.Create("vm", "default/a"), read);
        Assert.Equal("a", read.State!.Name);
        await storage.ReadStateAsync("other", GrainId.Create("vm", "default/a"), read);
        Assert.Equal("a-other", read.State!.Name);
        await storage.ReadStateAsync(StateName, GrainId.Create("node", "default/a"), read);
        Assert.Equal("a-node", read.State!.Name);
    }

    [Fact]
    public async Task StateSurvivesClosingAndReopeningTheFile()
    {
        var id = GrainId.Create("vm", "default/durable");
        var writer = new GrainState<VmSnapshot> { State = Snapshot("durable") with { Generation = 5 } };
        var registry = new SqliteStateDatabaseRegistry();
        await Open(registry).WriteStateAsync(StateName, id, writer);
        registry.Dispose();
        _registries.Remove(registry);

        var read = new GrainState<VmSnapshot>();
        await Open().ReadStateAsync(StateName, id, read);

        Assert.True(read.RecordExists);
        Assert.Equal(5, read.State!.Generation);
        Assert.Equal(writer.ETag, read.ETag);
    }

    [Fact]
    public async Task ParallelWritesToDifferentGrainsAllLand()
    {
        var storage = Open();
        var ids = Enumerable.Range(0, 100).Select(i => GrainId.Create("vm", $"default/p-{i}")).ToList();

        await Task.WhenAll(ids.Select(id => storage.WriteStateAsync(StateName, id, new GrainState<VmSnapshot> { State = Snapshot(id.Key.ToString()!) })));

        foreach (var id in ids)
        {
            var read = new GrainState<VmSnapshot>();
            await storage.ReadStateAsync(StateName, id, read);
            Assert.True(read.RecordExists, $"{id} was not stored");
            Assert.Equal(id.Key.ToString(), read.State!.Name);
        }
    }

    [Fact]
    public async Task AFailingWriteAmongParallelWritesIsUndoneAloneAndTheOthersAreCommitted()
    {
        var registry = new SqliteStateDatabaseRegistry();
        _registries.Add(registry);
        var database = registry.Get(DatabasePath, SqliteSynchronousMode.Full);
        await database.WriteAsync(c => Exec(c, "CREATE TABLE probe (id INTEGER PRIMARY KEY, note TEXT NOT NULL);"), CancellationToken.None);

        // Writes queued together share a transaction; the bad one inserts a row and then fails on a NOT NULL column.
        var writes = Enumerable.Range(0, 50).Select(i => database.WriteAsync(
            c => i == 25
                ? Exec(c, "INSERT INTO probe (id, note) VALUES (1000, 'half'); INSERT INTO probe (id, note) VALUES (1001, NULL);")
                : Exec(c, $"INSERT INTO probe (id, note) VALUES ({i}, 'ok');"),
            CancellationToken.None)).ToList();
        var bad = writes[25];
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => bad);
        await Task.WhenAll(writes.Where(w => w != bad));

        // A new file handle sees only what was committed: 49 good rows, nothing of the failed write.
        await using var reader = await database.OpenReaderAsync(CancellationToken.None);
        await using var command = reader.CreateCommand();
        command.CommandText = "SELECT group_concat(id) FROM (SELECT id FROM probe WHERE id >= 1000 OR note = 'ok' ORDER BY id);";
        var ids = ((string)(await command.ExecuteScalarAsync())!).Split(',').Select(int.Parse).ToList();
        Assert.Equal([.. Enumerable.Range(0, 50).Where(i => i != 25)], ids);
    }

    [Fact]
    public async Task AKeptWriteCommandThatFailedServesTheNextWriteAndIsRefusedOutsideTheWriteLoop()
    {
        var registry = new SqliteStateDatabaseRegistry();
        _registries.Add(registry);
        var database = registry.Get(DatabasePath, SqliteSynchronousMode.Full);
        await database.WriteAsync(c => Exec(c, "CREATE TABLE probe (id INTEGER PRIMARY KEY, note TEXT NOT NULL);"), CancellationToken.None);
        const string Insert = "INSERT INTO probe (id, note) VALUES ($id, $note);";
        int InsertRow(long id, object note)
        {
            var command = database.Command(Insert, "$id", "$note");
            command.Parameters["$id"].Value = id;
            command.Parameters["$note"].Value = note;
            return command.ExecuteNonQuery();
        }

        await database.WriteAsync(_ => InsertRow(1, "first"), CancellationToken.None);
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => database.WriteAsync(_ => InsertRow(2, DBNull.Value), CancellationToken.None));
        await database.WriteAsync(_ => InsertRow(3, "after the failure"), CancellationToken.None);

        Assert.Throws<InvalidOperationException>(() => database.Command(Insert, "$id", "$note"));
        await using var reader = await database.OpenReaderAsync(CancellationToken.None);
        await using var command = reader.CreateCommand();
        command.CommandText = "SELECT group_concat(id || ':' || note, ',') FROM (SELECT id, note FROM probe ORDER BY id);";
        Assert.Equal("1:first,3:after the failure", (string)(await command.ExecuteScalarAsync())!);
    }

    public void Dispose()
    {
        foreach (var r in _registries)
        {
            r.Dispose();
        }
        _services.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    private SqliteGrainStorage Open(SqliteStateDatabaseRegistry? registry = null)
    {
        if (registry is null)
        {
            registry = new SqliteStateDatabaseRegistry();
        }
        _registries.Add(registry);
        var database = registry.Get(DatabasePath, SqliteSynchronousMode.Full);
        return new SqliteGrainStorage("test", database, new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()), NullLogger<SqliteGrainStorage>.Instance);
    }

    private static int Exec(Microsoft.Data.Sqlite.SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    private static VmSnapshot Snapshot(string name) => new()
    {
        Namespace = "default",
        Name = name,
        Uid = Guid.NewGuid().ToString(),
        Generation = 1,
        CreatedAt = DateTimeOffset.UtcNow,
        Spec = new VmSpec
        {
            MemoryBytes = 256 * ValidationLimits.Mi,
            Disks = [new DiskSpec { Name = "root", Source = DiskSource.Image, ImagePath = "cirros.qcow2" }, new DiskSpec { Name = "data", SizeBytes = 1L << 30 }],
            Labels = ImmutableDictionary<string, string>.Empty.Add("app", "web").Add("tier", "front"),
        },
    };
}
