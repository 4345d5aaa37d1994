using Grpc.Core;
using Microsoft.Extensions.Options;
using Orvirt.Interfaces;
using Orvirt.Silo.Security;

namespace Orvirt.Silo.Api;

/// <summary>
/// The bound on VMs per namespace (<see cref="ApiLimitsOptions.MaxVmsPerNamespace"/>), checked through the index
/// before a create. Creates racing each other may pass it by the number in flight.
/// </summary>
public sealed partial class NamespaceQuota
{
    private readonly IGrainFactory _grains;
    private readonly IOptionsMonitor<ApiLimitsOptions> _limits;
    private readonly ILogger<NamespaceQuota> _logger;

    public NamespaceQuota(IGrainFactory grains, IOptionsMonitor<ApiLimitsOptions> limits, ILogger<NamespaceQuota> logger)
    {
        _grains = grains;
        _limits = limits;
        _logger = logger;
    }

    /// <summary>Throws RESOURCE_EXHAUSTED, naming the limit and how to raise it, when <paramref name="id"/>'s namespace is full.</summary>
    public async Task EnsureRoomAsync(VmId id)
    {
        var max = _limits.CurrentValue.MaxVmsPerNamespace;
        var count = await _grains.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex).CountAsync(id.Namespace);
        if (count >= max)
        {
            LogFull(_logger, id.Namespace, id.Name, count, max);
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"namespace '{id.Namespace}' already holds {count} VMs, the limit Orvirt:Limits:MaxVmsPerNamespace={max}; delete VMs there, "
                + "use another namespace, or ask the operator to raise ORVIRT__LIMITS__MAXVMSPERNAMESPACE"));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused create of {Namespace}/{Name}: the namespace holds {Count} VMs, limit {Max}")]
    private static partial void LogFull(ILogger logger, string @namespace, string name, int count, int max);
}
