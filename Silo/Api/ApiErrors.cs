using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Api;

/// <summary>Turns refusals into <see cref="RpcException"/>s with the status codes the proto documents.</summary>
public static class ApiErrors
{
    /// <summary>INVALID_ARGUMENT with a <c>google.rpc.BadRequest</c> listing every field violation.</summary>
    public static RpcException InvalidArgument(IReadOnlyCollection<Interfaces.FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        foreach (var v in violations)
        {
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description });
        }
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = "invalid request: " + string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")),
            Details = { Any.Pack(badRequest) },
        };
        return status.ToRpcException();
    }

    /// <summary>INVALID_ARGUMENT for one field.</summary>
    public static RpcException InvalidArgument(string field, string description) =>
        InvalidArgument([new Interfaces.FieldViolation(field, description)]);

    /// <summary>NOT_FOUND for a VM.</summary>
    public static RpcException NotFound(VmId id) =>
        new(new Grpc.Core.Status(StatusCode.NotFound, $"virtual machine '{id.Name}' not found in namespace '{id.Namespace}'"));

    /// <summary>The status for a grain result that is not <see cref="VmResultCode.Ok"/>.</summary>
    public static RpcException FromResult(VmResult result, VmId id) => result.Code switch
    {
        VmResultCode.NotFound => NotFound(id),
        VmResultCode.AlreadyExists => new(new Grpc.Core.Status(StatusCode.AlreadyExists, Message(result, $"virtual machine '{id.Name}' already exists in namespace '{id.Namespace}'"))),
        VmResultCode.Invalid when !result.Violations.IsDefaultOrEmpty => InvalidArgument(result.Violations),
        VmResultCode.Invalid => new(new Grpc.Core.Status(StatusCode.InvalidArgument, Message(result, "the request is invalid"))),
        VmResultCode.Conflict => new(new Grpc.Core.Status(StatusCode.FailedPrecondition, Message(result, $"virtual machine '{id}' changed meanwhile; get it again and retry"))),
        VmResultCode.Refused => new(new Grpc.Core.Status(StatusCode.FailedPrecondition, Message(result, $"virtual machine '{id}' refused the operation in its current state"))),
        VmResultCode.Exhausted => new(new Grpc.Core.Status(StatusCode.ResourceExhausted, Message(result, "a quota or rate limit was hit; retry later"))),
        _ => new(new Grpc.Core.Status(StatusCode.Internal, $"unexpected result {result.Code} for '{id}': {result.Message}")),
    };

    private static string Message(VmResult result, string fallback) => string.IsNullOrEmpty(result.Message) ? fallback : result.Message;
}
