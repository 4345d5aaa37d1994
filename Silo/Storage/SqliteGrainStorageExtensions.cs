using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orvirt.Silo.Storage;

/// <summary>Registers <see cref="SqliteGrainStorage"/>.</summary>
public static class SqliteGrainStorageExtensions
{
    /// <summary>Adds a named SQLite grain storage; storages naming the same file share one connection set.</summary>
    public static IServiceCollection AddSqliteGrainStorage(this IServiceCollection services, string name, Action<SqliteGrainStorageOptions> configure)
    {
        services.AddOptions<SqliteGrainStorageOptions>(name).Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteGrainStorageOptions>, SqliteGrainStorageOptionsValidator>());
        services.TryAddSingleton<SqliteStateDatabaseRegistry>();
        return services.AddGrainStorage(name, (sp, n) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<SqliteGrainStorageOptions>>().Get(n);
            var database = sp.GetRequiredService<SqliteStateDatabaseRegistry>().Get(options.DatabasePath, options.Synchronous);
            var serializer = options.Serializer ?? new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>());
            return new SqliteGrainStorage(n, database, serializer, sp.GetRequiredService<ILogger<SqliteGrainStorage>>());
        });
    }

    /// <summary>Adds a named SQLite grain storage to a silo.</summary>
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, Action<SqliteGrainStorageOptions> configure)
    {
        builder.Services.AddSqliteGrainStorage(name, configure);
        return builder;
    }
}
