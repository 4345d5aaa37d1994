using Orvirt.NodeAgent.Agent;
using Orvirt.NodeAgent.Metrics;

namespace Orvirt.NodeAgent.Tests.Agent;

public sealed class MetricsEndpointTests
{
    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1:9464")]
    [InlineData("localhost:9464")]
    [InlineData("127.0.0.2:9464")]
    public void EmptyOrLoopbackIsAccepted(string value) => Assert.Null(MetricsEndpoint.Error(value));

    [Theory]
    [InlineData("10.0.0.1:9464", "only an IPv4 loopback address")]
    [InlineData("0.0.0.0:9464", "only an IPv4 loopback address")]
    [InlineData("[::1]:9464", "only an IPv4 loopback address")]
    [InlineData("127.0.0.1", "must be host:port")]
    [InlineData("127.0.0.1:0", "must be host:port")]
    [InlineData("127.0.0.1:70000", "must be host:port")]
    public void OtherValuesAreRefusedNamingTheFlag(string value, string reason)
    {
        var error = MetricsEndpoint.Error(value);
        Assert.NotNull(error);
        Assert.Contains("--metrics / Agent:MetricsEndpoint", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheValidatorReportsABadMetricsEndpoint()
    {
        var result = new AgentOptionsValidator().Validate(null, new AgentOptions { Node = "node-1", MetricsEndpoint = "192.168.1.5:9464" });
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Agent:MetricsEndpoint", StringComparison.Ordinal));
    }

    [Fact]
    public void ParseSplitsHostAndPort() => Assert.Equal(("127.0.0.1", 9464), MetricsEndpoint.Parse("127.0.0.1:9464"));
}
