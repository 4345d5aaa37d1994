using Orvirt.NodeAgent.Agent;

namespace Orvirt.NodeAgent.Tests.Agent;

public sealed class AgentOptionsValidatorTests
{
    [Fact]
    public void TheDefaultsAreValidForANamedNode()
    {
        var result = new AgentOptionsValidator().Validate(null, new AgentOptions { Node = "node-1" });
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("Node", "Bad_Name", "--node")]
    [InlineData("Runtime", "docker", "use process, test or auto")]
    [InlineData("Gateway", "127.0.0.1", "host:port")]
    [InlineData("Gateway", "127.0.0.1:70000", "host:port")]
    [InlineData("Gateway", "127.0.0.1:30000,127.0.0.1", "separated by commas")]
    [InlineData("PodsDirectory", "pods", "absolute path")]
    [InlineData("PodsDirectory", "/var/lib/orvirt/a-very-long-folder-name-for-pods-that-breaks-sockets", "108-byte")]
    [InlineData("ImagesDirectory", "images", "absolute path")]
    [InlineData("MaxParallelSyncs", "0", "from 1 to 256")]
    [InlineData("WarmPods", "-1", "--warm-pods 2")]
    [InlineData("WarmPods", "65", "0 to 64")]
    public void ABadSettingIsRefusedNamingTheFlagAndTheFix(string property, string value, string expected)
    {
        var o = new AgentOptions { Node = "node-1" };
        var prop = typeof(AgentOptions).GetProperty(property)!;
        prop.SetValue(o, prop.PropertyType == typeof(int) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : value);
        var result = new AgentOptionsValidator().Validate(null, o);
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00.500")]
    [InlineData("2.00:00:00")]
    public void AReportRefreshIntervalOutside1SecondTo1DayIsRefusedWithTheDefault(string interval)
    {
        var o = new AgentOptions { Node = "node-1", ReportRefreshInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) };
        var result = new AgentOptionsValidator().Validate(null, o);
        Assert.True(result.Failed);
        Assert.Contains("Agent:ReportRefreshInterval", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("the default is 00:10:00", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralGatewaysSeparatedByCommasAreValid()
    {
        var result = new AgentOptionsValidator().Validate(null, new AgentOptions { Node = "node-1", Gateway = "10.0.0.1:30000, 10.0.0.2:30001,silo-3:30002" });
        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.True(AgentOptionsValidator.TryParseGateways("10.0.0.1:30000, 10.0.0.2:30001", out var gateways));
        Assert.Equal([("10.0.0.1", 30000), ("10.0.0.2", 30001)], gateways);
    }

    [Fact]
    public void CapacityComesFromTheHostUnlessConfigured()
    {
        var host = HostCapacity.Read(new AgentOptions());
        Assert.Equal(Environment.ProcessorCount, host.Vcpus);
        Assert.True(host.MemoryBytes > 0, "MemTotal should be read from /proc/meminfo");
        var configured = HostCapacity.Read(new AgentOptions { Vcpus = 3, MemoryBytes = 1L << 30 });
        Assert.Equal((3, 1L << 30), (configured.Vcpus, configured.MemoryBytes));
    }
}
