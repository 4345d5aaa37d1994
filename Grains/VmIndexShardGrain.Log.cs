using Microsoft.Extensions.Logging;

namespace Orvirt.Grains;

/// <summary>Log messages of <see cref="VmIndexShardGrain"/>.</summary>
public sealed partial class VmIndexShardGrain
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Index shard {Shard}: checked the {Count} entries loaded at activation: {Missing} had no VM and were removed, {Failed} could not be checked")]
    private partial void LogEntriesChecked(long shard, int count, int missing, int failed);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Checking the index entry of VM {Namespace}/{Name} failed")]
    private partial void LogEntryCheckFailed(string @namespace, string name, Exception exception);
}
