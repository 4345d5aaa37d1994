using Orleans.Providers;
using Orleans.Streams;
using Orvirt.Silo.Options;

namespace Orvirt.Silo.Streams;

/// <summary>Registration of the adaptive pull for the memory stream provider.</summary>
public static class AdaptivePullExtensions
{
    /// <summary>
    /// How long a queue found non-empty is read at every pull even without an enqueue from this silo: events that
    /// other silos of a cluster produce keep the fast pull while they flow.
    /// </summary>
    public static readonly TimeSpan BusyWindow = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Replaces the adapter factory that <c>AddMemoryStreams(<paramref name="providerName"/>)</c> registered with one
    /// whose receivers skip the queue-grain call on a pull when the queue is idle (see <see cref="QueueActivity"/>).
    /// Call after <c>AddMemoryStreams</c>. Does nothing when the idle pull period for <paramref name="mode"/>
    /// (<see cref="StreamingOptions.EffectiveIdlePullPeriod"/>) is not longer than <see cref="StreamingOptions.PullPeriod"/>.
    /// </summary>
    public static ISiloBuilder AddAdaptiveMemoryStreamPull(this ISiloBuilder silo, string providerName, StreamingOptions options, OrvirtMode mode)
    {
        var idlePullPeriod = options.EffectiveIdlePullPeriod(mode);
        if (idlePullPeriod <= options.PullPeriod)
        {
            return silo;
        }
        silo.Services.AddKeyedSingleton<IQueueAdapterFactory>(providerName, (services, _) =>
            new AdaptivePullAdapterFactory(MemoryAdapterFactory<DefaultMemoryMessageBodySerializer>.Create(services, providerName), idlePullPeriod, BusyWindow));
        return silo;
    }
}
