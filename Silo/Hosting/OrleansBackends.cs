using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;
using SiloOptions = Orvirt.Silo.Options.SiloOptions;
using Orleans.Serialization;
using Orleans.Storage;
using Orvirt.Interfaces;
using Orvirt.Silo.Options;
using Orvirt.Silo.Storage;
using StackExchange.Redis;

namespace Orvirt.Silo.Hosting;

/// <summary>
/// Where the silo keeps membership, grain state ("orvirt" and "PubSubStore") and reminders, chosen by
/// <see cref="SiloOptions.Mode"/>: one machine with SQLite (<see cref="OrvirtMode.Embedded"/>) or a cluster of
/// silos on Redis (<see cref="OrvirtMode.Redis"/>). Streams are memory streams in both modes (configured by the host).
/// </summary>
public static class OrleansBackends
{
    /// <summary>
    /// Configures clustering, endpoints, the two grain storages and reminders for <paramref name="options"/>.
    /// In Redis mode also tunes membership from <paramref name="configuration"/> (<see cref="MembershipTuningOptions.Section"/>)
    /// so that a dead silo is declared dead in about 2 s. Call <see cref="Check"/> first: this method assumes valid settings.
    /// </summary>
    public static ISiloBuilder UseOrvirtBackends(this ISiloBuilder silo, SiloOptions options, IConfiguration configuration)
    {
        if (options.Mode != OrvirtMode.Redis)
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, null, options.ServiceId, options.ClusterId);
            silo.AddSqliteGrainStorage(OrvirtNames.GrainStorage, o => o.DatabasePath = options.DatabasePath);
            silo.AddSqliteGrainStorage(OrvirtNames.PubSubStore, o => o.DatabasePath = options.DatabasePath);
            silo.UseInMemoryReminderService();
            return silo;
        }

        var membership = Membership(configuration);
        silo.Configure<ClusterOptions>(c =>
        {
            c.ClusterId = options.ClusterId;
            c.ServiceId = options.ServiceId;
        });
        if (string.IsNullOrWhiteSpace(options.AdvertisedAddress))
        {
            silo.ConfigureEndpoints(options.SiloPort, options.GatewayPort, AddressFamily.InterNetwork, listenOnAnyHostAddress: true);
        }
        else
        {
            var advertised = IPAddress.Parse(options.AdvertisedAddress);
            // Several silos on one machine advertise 127.0.0.1 and must not listen beyond it.
            silo.ConfigureEndpoints(advertised, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
        }
        silo.Configure<ClusterMembershipOptions>(m =>
        {
            m.ProbeTimeout = membership.ProbeTimeout;
            m.NumMissedProbesLimit = membership.NumMissedProbesLimit;
            m.NumVotesForDeathDeclaration = membership.NumVotesForDeathDeclaration;
            m.IAmAliveTablePublishTimeout = membership.IAmAlivePublishPeriod;
            m.TableRefreshTimeout = membership.TableRefreshPeriod;
        });

        silo.UseRedisClustering(o => o.ConfigurationOptions = RedisConfiguration(options.Redis));
        foreach (var storage in new[] { OrvirtNames.GrainStorage, OrvirtNames.PubSubStore })
        {
            silo.AddRedisGrainStorage(storage, builder => builder.Configure<Serializer>((o, serializer) =>
            {
                o.ConfigurationOptions = RedisConfiguration(options.Redis);
                // The same serializer as the SQLite store: it round-trips records and immutable collections exactly.
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                // A deleted VM leaves no key behind.
                o.DeleteStateOnClear = true;
            }));
        }
        silo.UseRedisReminderService(o => o.ConfigurationOptions = RedisConfiguration(options.Redis));
        return silo;
    }

    /// <summary>Failures (each saying how to fix it) of the settings that only this class reads: <see cref="MembershipTuningOptions"/> in Redis mode.</summary>
    public static IEnumerable<string> Check(SiloOptions options, IConfiguration configuration)
    {
        if (options.Mode != OrvirtMode.Redis)
        {
            return [];
        }
        var result = new MembershipTuningOptionsValidator().Validate(null, Membership(configuration));
        return result.Failed ? result.Failures ?? [] : [];
    }

    /// <summary>Where the state lives, for the start-up log line: the SQLite file or the Redis endpoints.</summary>
    public static string DescribeState(SiloOptions options) =>
        options.Mode == OrvirtMode.Redis
            ? "Redis " + string.Join(",", RedisConfiguration(options.Redis).EndPoints.Select(e => e.ToString()))
            : options.DatabasePath;

    private static MembershipTuningOptions Membership(IConfiguration configuration) =>
        configuration.GetSection(MembershipTuningOptions.Section).Get<MembershipTuningOptions>() ?? new MembershipTuningOptions();

    // A fresh object per provider: each one creates its own multiplexer from it.
    private static ConfigurationOptions RedisConfiguration(string connectionString) => ConfigurationOptions.Parse(connectionString);
}
