using Microsoft.Extensions.Logging;

namespace Orvirt.Grains;

/// <summary>Log messages of <see cref="NodeGrain"/>.</summary>
public sealed partial class NodeGrain
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Node {Node} registered by agent {AgentInstanceId} at epoch {Epoch} (agent restarted: {Restarted}, {Assignments} assignments kept)")]
    private partial void LogRegistered(string node, string agentInstanceId, long epoch, bool restarted, int assignments);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Node {Node} Ready={Ready} ({Reason})")]
    private partial void LogReadinessChanged(string node, bool ready, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Node {Node} reserved {Vcpus} vCPUs and {MemoryBytes} bytes for VM {Namespace}/{Name}")]
    private partial void LogReserved(string node, string @namespace, string name, int vcpus, long memoryBytes);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Node {Node} released VM {Namespace}/{Name}")]
    private partial void LogReleased(string node, string @namespace, string name);
}
