using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Orvirt.Client.Errors;

namespace Orvirt.Client.Tests.Output;

public sealed class RpcErrorTranslatorTests
{
    private static readonly Uri Server = new("http://127.0.0.1:5050");

    [Fact]
    public void FieldViolationsBecomeOneLineEachWithExitCode2()
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = "the VM is invalid",
            Details =
            {
                Any.Pack(new BadRequest
                {
                    FieldViolations =
                    {
                        new BadRequest.Types.FieldViolation { Field = "spec.memory", Description = "15Mi is below the minimum of 16Mi; ask for at least 16Mi, e.g. '128Mi'" },
                        new BadRequest.Types.FieldViolation { Field = "metadata.name", Description = "name must not be empty" },
                    },
                }),
            },
        };

        var error = RpcErrorTranslator.Translate(status.ToRpcException(), Server);

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Equal(
            "spec.memory: 15Mi is below the minimum of 16Mi; ask for at least 16Mi, e.g. '128Mi'\nmetadata.name: name must not be empty",
            error.Message);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, ExitCodes.Usage)]
    [InlineData(StatusCode.NotFound, ExitCodes.NotFound)]
    [InlineData(StatusCode.AlreadyExists, ExitCodes.Conflict)]
    [InlineData(StatusCode.FailedPrecondition, ExitCodes.Conflict)]
    [InlineData(StatusCode.Aborted, ExitCodes.Conflict)]
    [InlineData(StatusCode.ResourceExhausted, ExitCodes.Conflict)]
    [InlineData(StatusCode.DeadlineExceeded, ExitCodes.TimedOut)]
    [InlineData(StatusCode.Internal, ExitCodes.ServerError)]
    [InlineData(StatusCode.Unavailable, ExitCodes.ServerError)]
    public void StatusCodesMapToDocumentedExitCodes(StatusCode code, int exitCode)
    {
        var error = RpcErrorTranslator.Translate(new RpcException(new Grpc.Core.Status(code, "virtualmachine default/x: something")), Server);

        Assert.Equal(exitCode, error.ExitCode);
    }

    [Fact]
    public void WithoutDetailsTheServerMessageIsShown()
    {
        var error = RpcErrorTranslator.Translate(new RpcException(new Grpc.Core.Status(StatusCode.NotFound, "virtualmachine default/x not found")), Server);

        Assert.Equal("virtualmachine default/x not found", error.Message);
    }

    [Fact]
    public void UnavailableNamesTheAddressAndHowToChangeIt()
    {
        var error = RpcErrorTranslator.Translate(new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "Error connecting to subchannel.")), Server);

        Assert.Contains("http://127.0.0.1:5050", error.Message, StringComparison.Ordinal);
        Assert.Contains("--server", error.Message, StringComparison.Ordinal);
        Assert.Contains("ORVIRT_SERVER", error.Message, StringComparison.Ordinal);
    }
}
