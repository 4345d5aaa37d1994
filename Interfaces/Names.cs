namespace Orvirt.Interfaces;

/// <summary>Stream and storage names, in one place.</summary>
public static class OrvirtNames
{
    /// <summary>The stream provider for node streams and VM events.</summary>
    public const string StreamProvider = "orvirt";
    /// <summary>Stream namespace of a node's desired-state stream; the key is the node name.</summary>
    public const string NodeStreamNamespace = "node";
    /// <summary>Stream namespace of VM events for watchers; the key is <see cref="VmEventStreamKey"/>.</summary>
    public const string VmEventStreamNamespace = "vm-events";
    public const string VmEventStreamKey = "all";
    /// <summary>Grain storage for VM, node, directory and index state.</summary>
    public const string GrainStorage = "orvirt";
    /// <summary>Storage that memory streams keep their subscriptions in.</summary>
    public const string PubSubStore = "PubSubStore";
    public const string DefaultNamespace = "default";
}
