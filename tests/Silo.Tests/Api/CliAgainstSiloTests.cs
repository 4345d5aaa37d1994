using Orvirt.Cli;
using Orvirt.Client;

namespace Orvirt.Silo.Tests.Api;

/// <summary>The silo's answers as a user sees them through the <c>orvirt</c> CLI (run in-process against the real silo).</summary>
[Collection(SiloCollection.Name)]
public sealed class CliAgainstSiloTests(SiloFixture silo)
{
    [Fact]
    public async Task CreateThenGetShowsTheVm()
    {
        var ns = SiloFixture.UniqueNamespace("cli");

        var create = await Orvirt("vm", "create", "web-1", "-n", ns, "--cpu", "1", "--memory", "256Mi", "--run-strategy", "Halted");
        var get = await Orvirt("vm", "get", "web-1", "-n", ns, "-o", "json");

        Assert.True(create.Code == ExitCodes.Ok, $"create failed ({create.Code}): {create.Error}");
        Assert.True(get.Code == ExitCodes.Ok, $"get failed ({get.Code}): {get.Error}");
        Assert.Contains("web-1", get.Output);
        Assert.Contains("256Mi", get.Output);
    }

    [Fact]
    public async Task MemoryAboveTheServersMaximumExitsWithUsageAndSaysTheLimit()
    {
        // Only the server knows its limits (Orvirt:Limits, default 1Ti), so this error comes from the silo.
        var result = await Orvirt("vm", "create", "web-1", "-n", SiloFixture.UniqueNamespace("cli-bad"), "--cpu", "1", "--memory", "2Ti");

        Assert.True(result.Code == ExitCodes.Usage, $"expected exit {ExitCodes.Usage}, got {result.Code}: {result.Error}");
        Assert.Contains("spec.memory", result.Error);
        Assert.Contains("1Ti", result.Error);
    }

    [Fact]
    public async Task GettingAMissingVmExitsWithNotFound()
    {
        var result = await Orvirt("vm", "get", "ghost", "-n", SiloFixture.UniqueNamespace("cli-none"));

        Assert.True(result.Code == ExitCodes.NotFound, $"expected exit {ExitCodes.NotFound}, got {result.Code}: {result.Error}");
    }

    private async Task<(int Code, string Output, string Error)> Orvirt(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync([.. args, "--server", silo.Silo.GrpcAddress.ToString()], output, error);
        return (code, output.ToString(), error.ToString());
    }
}
