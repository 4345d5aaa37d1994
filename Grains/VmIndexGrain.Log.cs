using Microsoft.Extensions.Logging;

namespace Orvirt.Grains;

/// <summary>Log messages of <see cref="VmIndexGrain"/>.</summary>
public sealed partial class VmIndexGrain
{
    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Moved the {Count} entries of the unsharded VM index into its {Shards} shards")]
    private partial void LogMovedToShards(int count, int shards);
}
