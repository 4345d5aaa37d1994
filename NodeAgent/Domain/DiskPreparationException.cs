namespace Orvirt.NodeAgent.Domain;

/// <summary>A disk could not be prepared; the message says why and how to fix it. Not transient.</summary>
public sealed class DiskPreparationException(string message) : Exception(message);
