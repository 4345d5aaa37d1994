extern alias silo;
using System.Globalization;
using silo::Orvirt.Silo.Metrics;

namespace Orvirt.Silo.Tests.Metrics;

public sealed class MetricsOptionsValidatorTests
{
    [Fact]
    public void TheDefaultsAreValidAndRelistVmsLessOftenThanNodes()
    {
        var defaults = new MetricsOptions();
        Assert.True(new MetricsOptionsValidator().Validate(null, defaults).Succeeded);
        Assert.True(defaults.VmRelistInterval > defaults.RefreshInterval);
    }

    [Theory]
    [InlineData("00:00:05", "00:00:04", "ORVIRT__METRICS__VMRELISTINTERVAL")]
    [InlineData("00:00:05", "02:00:00", "ORVIRT__METRICS__VMRELISTINTERVAL")]
    [InlineData("00:00:00.500", "00:01:00", "ORVIRT__METRICS__REFRESHINTERVAL")]
    public void AnIntervalOutOfRangeNamesTheSettingToFix(string refresh, string relist, string setting)
    {
        var result = new MetricsOptionsValidator().Validate(null, new MetricsOptions
        {
            RefreshInterval = TimeSpan.Parse(refresh, CultureInfo.InvariantCulture),
            VmRelistInterval = TimeSpan.Parse(relist, CultureInfo.InvariantCulture),
        });
        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
    }
}
