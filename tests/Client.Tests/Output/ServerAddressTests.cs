using Orvirt.Client.Connection;

namespace Orvirt.Client.Tests.Output;

public sealed class ServerAddressTests
{
    [Theory]
    [InlineData("http://10.0.0.5:6000", "http://10.0.0.9:7000", "http://10.0.0.5:6000/")]
    [InlineData(null, "http://10.0.0.9:7000", "http://10.0.0.9:7000/")]
    [InlineData("", "  ", ServerAddress.Default + "/")]
    [InlineData("localhost:9000", null, "http://localhost:9000/")]
    public void FlagWinsOverEnvironmentWhichWinsOverDefault(string? flag, string? environment, string expected) =>
        Assert.Equal(expected, ServerAddress.Resolve(flag, environment).ToString());

    [Theory]
    [InlineData("ftp://x:1", "--server")]
    [InlineData("http://x:1/api", "--server")]
    public void ABadAddressIsAUsageErrorNamingItsSource(string flag, string source)
    {
        var error = Assert.Throws<CliException>(() => ServerAddress.Resolve(flag, null));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.StartsWith(source, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadEnvironmentValueNamesTheVariable()
    {
        var error = Assert.Throws<CliException>(() => ServerAddress.Resolve(null, "gopher://x"));

        Assert.StartsWith("ORVIRT_SERVER", error.Message, StringComparison.Ordinal);
    }
}
