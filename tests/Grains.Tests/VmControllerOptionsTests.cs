using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

public sealed class VmControllerOptionsTests
{
    [Fact]
    public void DefaultsAreKubeVirtsAndValid()
    {
        var options = new VmControllerOptions();

        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(15)),
            (options.BackoffBase, options.BackoffCap, options.BackoffResetAfter, options.NodeHeartbeatTimeout));
        Assert.Equal(TimeSpan.FromSeconds(30), options.FenceGracePeriod);
        Assert.True(new VmControllerOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void AFenceGracePeriodTooShortToTellAHiccupFromAFailureIsRefused()
    {
        var result = new VmControllerOptionsValidator().Validate(null, new VmControllerOptions { FenceGracePeriod = TimeSpan.FromMilliseconds(10) });

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Orvirt:Controller:FenceGracePeriod is 00:00:00.0100000; set at least 100 ms", failure);
    }

    [Fact]
    public void BadValuesAreRefusedWithTheSettingAndTheFix()
    {
        var options = new VmControllerOptions { BackoffBase = TimeSpan.FromSeconds(30), BackoffCap = TimeSpan.FromSeconds(5), NodeHeartbeatTimeout = TimeSpan.Zero };

        var result = new VmControllerOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Orvirt:Controller:BackoffCap", StringComparison.Ordinal) && f.Contains("set it at least as long"));
        Assert.Contains(result.Failures!, f => f.StartsWith("Orvirt:Controller:NodeHeartbeatTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public void AddOrvirtGrainsBindsConfigurationAndRegistersTheSystemClock()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orvirt:Controller:BackoffBase"] = "00:00:02",
            ["Orvirt:Limits:MaxVcpus"] = "4",
        }).Build();
        using var provider = new ServiceCollection().AddOrvirtGrains(configuration).BuildServiceProvider();

        Assert.Equal(TimeSpan.FromSeconds(2), provider.GetRequiredService<IOptions<VmControllerOptions>>().Value.BackoffBase);
        Assert.Equal(4, provider.GetRequiredService<IOptions<ValidationLimits>>().Value.MaxVcpus);
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void AnInvalidBoundValueFailsWhenTheOptionsAreRead()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orvirt:Controller:BackoffBase"] = "-00:00:01",
        }).Build();
        using var provider = new ServiceCollection().AddOrvirtGrains(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<VmControllerOptions>>().Value);

        Assert.Contains("Orvirt:Controller:BackoffBase", error.Message);
    }
}
