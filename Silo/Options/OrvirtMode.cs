namespace Orvirt.Silo.Options;

/// <summary>Where the silo keeps its cluster membership, grain state and reminders.</summary>
public enum OrvirtMode
{
    /// <summary>One machine: localhost clustering, SQLite grain state in the data directory, in-memory reminders.</summary>
    Embedded = 0,
    /// <summary>A cluster of silos on Redis (<see cref="SiloOptions.Redis"/>): membership, grain state, PubSubStore and reminders; memory streams.</summary>
    Redis = 1,
}
