using System.Text.Json.Nodes;

namespace Orvirt.KubeApiServer;

/// <summary>A committed change: the global resourceVersion it got, the object after it and before it.</summary>
internal sealed record StoredEvent(long ResourceVersion, ResourceType Type, string Namespace, string EventType, JsonObject Object, JsonObject? Previous);
