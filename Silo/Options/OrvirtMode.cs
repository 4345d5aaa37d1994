namespace Orvirt.Silo.Options;

/// <summary>Where the silo keeps its cluster membership, grain state and reminders.</summary>
public enum OrvirtMode
{
    /// <summary>One machine: localhost clustering, SQLite grain state in the data directory, in-memory reminders.</summary>
    Embedded = 0,
    /// <summary>A cluster on Redis (clustering, state, reminders, PubSubStore). Not supported yet.</summary>
    Redis = 1,
}
