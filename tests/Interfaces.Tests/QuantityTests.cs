using Orvirt.Interfaces;

namespace Orvirt.Interfaces.Tests;

public sealed class QuantityTests
{
    [Theory]
    [InlineData("128Mi", 128L << 20)]
    [InlineData("1Gi", 1L << 30)]
    [InlineData("2Ti", 2L << 40)]
    [InlineData("500M", 500_000_000L)]
    [InlineData("1024", 1024L)]
    [InlineData("64Ki", 64L << 10)]
    [InlineData("0", 0L)]
    public void ParsesKubernetesMemoryQuantities(string text, long bytes)
    {
        Assert.True(Quantity.TryParseBytes(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12Zi")]
    [InlineData("-1Mi")]
    [InlineData("1.5Gi")]
    [InlineData("Mi")]
    [InlineData("99999999999Pi")]
    [InlineData(null)]
    public void RefusesWhatIsNotAWholeQuantity(string? text)
    {
        Assert.False(Quantity.TryParseBytes(text, out _));
    }

    [Theory]
    [InlineData(128L << 20, "128Mi")]
    [InlineData(1L << 30, "1Gi")]
    [InlineData(1000L, "1000")]
    public void FormatsWithTheLargestExactBinarySuffix(long bytes, string text)
    {
        Assert.Equal(text, Quantity.FormatBytes(bytes));
    }
}
