using Microsoft.Extensions.Logging;

namespace Orvirt.Grains;

/// <summary>Log messages of <see cref="NodeDirectoryGrain"/>.</summary>
public sealed partial class NodeDirectoryGrain
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Debug, Message = "VM {Namespace}/{Name} placed on node {Node}")]
    private partial void LogPlaced(string @namespace, string name, string node);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Retrying the scheduling of waiting VM {Namespace}/{Name} failed")]
    private partial void LogRetryFailed(string @namespace, string name, Exception exception);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Checking on silent node {Node} failed")]
    private partial void LogWatchFailed(string node, Exception exception);
}
