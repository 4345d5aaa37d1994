using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Orvirt.Interfaces;
using Orvirt.Silo.Options;
using Orvirt.Silo.Storage;
using StackExchange.Redis;
using SiloOptions = Orvirt.Silo.Options.SiloOptions;

namespace Orvirt.Silo.Hosting;

/// <summary>
/// Where the silo keeps membership, grain state ("orvirt" and "PubSubStore") and reminders, chosen by
/// <see cref="SiloOptions.Mode"/>: one machine with SQLite (<see cref="OrvirtMode.Embedded"/>) or a cluster of
/// silos on Redis (<see cref="OrvirtMode.Redis"/>). Streams are memory streams in both modes (configured by the host).
/// </summary>
public static class OrleansBackends
{
    /// <summary>How long the start-up check waits for Redis to answer.</summary>
    private static readonly TimeSpan RedisProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Configures clustering, endpoints, the two grain storages and reminders for <paramref name="options"/>.
    /// In Redis mode also tunes membership from <see cref="MembershipTuningOptions"/> (section <see cref="MembershipTuningOptions.Section"/>,
    /// validated on start) so that a dead silo is declared dead in about 2 s. Call <see cref="Check"/> first for a friendly
    /// message: this method assumes valid settings.
    /// </summary>
    public static ISiloBuilder UseOrvirtBackends(this ISiloBuilder silo, SiloOptions options)
    {
        if (options.Mode != OrvirtMode.Redis)
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, null, options.ServiceId, options.ClusterId);
            silo.AddSqliteGrainStorage(OrvirtNames.GrainStorage, o => o.DatabasePath = options.DatabasePath);
            silo.AddSqliteGrainStorage(OrvirtNames.PubSubStore, o => o.DatabasePath = options.DatabasePath);
            silo.UseInMemoryReminderService();
            return silo;
        }

        silo.Services.AddOptions<MembershipTuningOptions>().BindConfiguration(MembershipTuningOptions.Section).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<MembershipTuningOptions>, MembershipTuningOptionsValidator>();
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
        silo.Services.AddOptions<ClusterMembershipOptions>().Configure<IOptions<MembershipTuningOptions>>((m, tuning) =>
        {
            var t = tuning.Value;
            m.ProbeTimeout = t.ProbeTimeout;
            m.NumMissedProbesLimit = t.NumMissedProbesLimit;
            m.NumVotesForDeathDeclaration = t.NumVotesForDeathDeclaration;
            m.IAmAliveTablePublishTimeout = t.IAmAlivePublishPeriod;
            m.TableRefreshTimeout = t.TableRefreshPeriod;
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

    /// <summary>
    /// Failures, each saying how to fix it, of what only this class reads in Redis mode: <see cref="MembershipTuningOptions"/>,
    /// and whether the Redis server in <see cref="SiloOptions.Redis"/> answers (so that a wrong address is one clear line, not a
    /// stack trace from deep inside the silo's start-up). Nothing in Embedded mode.
    /// </summary>
    public static IEnumerable<string> Check(SiloOptions options, IConfiguration configuration)
    {
        if (options.Mode != OrvirtMode.Redis)
        {
            return [];
        }
        var failures = new List<string>();
        var result = new MembershipTuningOptionsValidator().Validate(null, Membership(configuration));
        if (result.Failed)
        {
            failures.AddRange(result.Failures ?? []);
        }
        ConfigurationOptions redis;
        try
        {
            redis = RedisConfiguration(options.Redis);
        }
        catch (ArgumentException)
        {
            // SiloOptionsValidator reports the malformed connection string.
            return failures;
        }
        if (redis.EndPoints.Count == 0)
        {
            return failures;
        }
        redis.ConnectTimeout = (int)RedisProbeTimeout.TotalMilliseconds;
        redis.AbortOnConnectFail = true;
        try
        {
            using var connection = ConnectionMultiplexer.Connect(redis);
            connection.GetDatabase().Ping();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The endpoints only: the connection string may hold a password.
            failures.Add($"Orvirt:Redis {Endpoints(redis)} cannot be reached ({FirstSentence(e.Message)}); start redis-server there or set ORVIRT__REDIS to a Redis that answers, e.g. ORVIRT__REDIS=127.0.0.1:6379");
        }
        return failures;
    }

    /// <summary>Where the state lives, for the start-up log line: the SQLite file or the Redis endpoints.</summary>
    public static string DescribeState(SiloOptions options) =>
        options.Mode == OrvirtMode.Redis
            ? "Redis " + Endpoints(RedisConfiguration(options.Redis))
            : options.DatabasePath;

    // The first sentence only: StackExchange.Redis goes on to suggest abortConnect=false, which is not the fix here.
    private static string FirstSentence(string message)
    {
        var line = message.Split('\n')[0].Trim();
        var end = line.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? line[..end] : line.TrimEnd('.');
    }

    private static MembershipTuningOptions Membership(IConfiguration configuration) =>
        configuration.GetSection(MembershipTuningOptions.Section).Get<MembershipTuningOptions>() ?? new MembershipTuningOptions();

    private static string Endpoints(ConfigurationOptions redis) => string.Join(",", redis.EndPoints.Select(e => e.ToString()));

    // A fresh object per provider: each one creates its own multiplexer from it.
    private static ConfigurationOptions RedisConfiguration(string connectionString) => ConfigurationOptions.Parse(connectionString);
}
