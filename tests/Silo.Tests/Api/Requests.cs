using Google.Rpc;
using Grpc.Core;
using Orvirt.Api.V1;

namespace Orvirt.Silo.Tests.Api;

/// <summary>Builders for requests and assertions on gRPC errors.</summary>
internal static class Requests
{
    public static CreateRequest Create(string ns, string name, string memory = "128Mi", string runStrategy = "Halted", params (string Key, string Value)[] labels)
    {
        var request = new CreateRequest
        {
            Namespace = ns,
            Name = name,
            Spec = new VirtualMachineSpec
            {
                RunStrategy = runStrategy,
                Memory = memory,
                Cpu = new Cpu { Sockets = 1, Cores = 1, Threads = 1 },
                Disks = { new Disk { Name = "root", Image = new ImageDisk { Path = "cirros.qcow2" } } },
                Interfaces = { new Interface { Name = "default" } },
            },
        };
        foreach (var (key, value) in labels)
        {
            request.Labels[key] = value;
        }
        return request;
    }

    public static ApplyRequest Apply(CreateRequest create, long? expectedGeneration = null)
    {
        var apply = new ApplyRequest { Namespace = create.Namespace, Name = create.Name, Spec = create.Spec.Clone() };
        apply.Labels.Add(create.Labels);
        if (expectedGeneration is { } g)
        {
            apply.ExpectedGeneration = g;
        }
        return apply;
    }

    public static VmRef Ref(string ns, string name) => new() { Namespace = ns, Name = name };

    public static async Task<RpcException> FailsWith(StatusCode code, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(error.StatusCode == code, $"expected {code} but got {error.StatusCode}: {error.Status.Detail}");
        return error;
    }

    /// <summary>The BadRequest field violations carried by an INVALID_ARGUMENT error.</summary>
    public static IReadOnlyList<BadRequest.Types.FieldViolation> Violations(RpcException error)
    {
        var status = error.GetRpcStatus();
        Assert.True(status is not null, $"the error carries no google.rpc.Status: {error.Status.Detail}");
        var badRequest = status.GetDetail<BadRequest>();
        Assert.True(badRequest is not null, $"the error carries no google.rpc.BadRequest: {status}");
        return badRequest.FieldViolations;
    }
}
