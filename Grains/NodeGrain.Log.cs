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

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Node {Node} fenced at epoch {Epoch} after {SinceHeartbeat} without a heartbeat; {Released} VM reservations released, their VMs fail over")]
    private partial void LogFenced(string node, long epoch, TimeSpan sinceHeartbeat, int released);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Node {Node} could not tell VM {Namespace}/{Name} that the node was lost; retrying")]
    private partial void LogNodeLostFailed(string node, string @namespace, string name, Exception exception);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "Node {Node} cleanup confirmed at fence epoch {Epoch}, but {Pending} VMs are still being failed over; it stays fenced")]
    private partial void LogConfirmDeferred(string node, long epoch, int pending);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "Node {Node} unfenced: agent {AgentInstanceId} confirmed cleanup; Ready at epoch {Epoch}")]
    private partial void LogUnfenced(string node, string agentInstanceId, long epoch);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Warning, Message = "Node {Node} is fenced at epoch {Epoch}; agent {AgentInstanceId} must destroy what GetAssignments does not list and confirm before the node is Ready")]
    private partial void LogFencedAgentBack(string node, string agentInstanceId, long epoch);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Information, Message = "Node {Node}: moved {Count} reservations kept in the node's state by an earlier version into its {Buckets} assignment buckets")]
    private partial void LogAssignmentsMoved(string node, int count, int buckets);
}
