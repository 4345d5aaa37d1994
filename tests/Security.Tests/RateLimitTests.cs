using Google.Rpc;
using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Client.Connection;
using Orvirt.Testing;

namespace Orvirt.Security.Tests;

/// <summary>A client that floods the API gets RESOURCE_EXHAUSTED with a retry hint; the silo and other clients carry on.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task AFloodingClientIsRefusedWithARetryHintWhileAnotherClientIsServed()
    {
        await using var secured = await TokenFileSilo.StartAsync(new Dictionary<string, string>
        {
            // One request a second after a burst of five: a tight loop of 50 calls must run out.
            ["ORVIRT__LIMITS__REQUESTSPERSECOND"] = "1",
            ["ORVIRT__LIMITS__REQUESTBURST"] = "5",
        });
        var (silo, tokens) = (secured.Silo, secured.Tokens);
        using var flooder = OrvirtConnection.Create(silo.GrpcAddress, tokens.Admin);
        using var other = OrvirtConnection.Create(silo.GrpcAddress, tokens.Viewer);

        var answered = 0;
        RpcException? refused = null;
        for (var i = 0; i < 50 && refused is null; i++)
        {
            try
            {
                await flooder.VirtualMachines.ListAsync(new ListRequest());
                answered++;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                refused = e;
            }
        }

        Assert.True(refused is not null, $"50 calls in a row at 1/s with a burst of 5 were all answered ({answered})");
        Assert.InRange(answered, 5, 49);
        Assert.Contains("retry after", refused.Status.Detail, StringComparison.Ordinal);
        var retry = refused.GetRpcStatus()?.GetDetail<RetryInfo>();
        Assert.NotNull(retry);
        Assert.True(retry.RetryDelay.ToTimeSpan() > TimeSpan.Zero, $"retry delay {retry.RetryDelay}");

        // Another client has its own share, and the silo is healthy.
        await other.VirtualMachines.ListAsync(new ListRequest());
        using var http = new HttpClient();
        using var health = await http.GetAsync(new Uri(silo.HttpAddress, "/healthz"));
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);

        // The flooder is served again once its bucket refills.
        await Eventually.MatchAsync(
            async () => (await flooder.VirtualMachines.ListAsync(new ListRequest())).Items.Count,
            _ => true,
            "the flooding client to be served again after backing off");
        Assert.False(silo.HasExited);
    }
}
