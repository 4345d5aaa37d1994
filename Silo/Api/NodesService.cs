using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Api;

/// <summary>The <c>orvirt.v1.Nodes</c> service: reads the node directory grain.</summary>
public sealed class NodesService : Nodes.NodesBase
{
    private readonly IGrainFactory _grains;

    public NodesService(IGrainFactory grains) => _grains = grains;

    public override async Task<ListNodesResponse> List(ListNodesRequest request, ServerCallContext context)
    {
        var nodes = await _grains.GetGrain<INodeDirectoryGrain>(GrainKeys.NodeDirectory).ListAsync();
        var response = new ListNodesResponse();
        response.Items.Add(nodes.OrderBy(n => n.Name, StringComparer.Ordinal).Select(VmMapper.ToProto));
        return response;
    }
}
