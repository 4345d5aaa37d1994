using Orvirt.Interfaces;

namespace Orvirt.Interfaces.Tests;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web", ["tier"] = "front" };

    [Theory]
    [InlineData("", true)]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app=db", false)]
    [InlineData("app!=db", true)]
    [InlineData("app!=web", false)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("!zone", true)]
    [InlineData("app in (web, db)", true)]
    [InlineData("app notin (web,db)", false)]
    [InlineData("app=web,tier=front", true)]
    [InlineData("app=web,tier=back", false)]
    public void MatchesLikeKubernetes(string selector, bool matches)
    {
        Assert.True(LabelSelector.TryParse(selector, out var parsed, out var error), error);
        Assert.Equal(matches, parsed.Matches(Web));
    }

    [Theory]
    [InlineData("app=web,,tier=x")]
    [InlineData("app in web")]
    [InlineData("-bad=x")]
    [InlineData("app=bad value")]
    public void RefusesMalformedSelectorsWithAMessage(string selector)
    {
        Assert.False(LabelSelector.TryParse(selector, out _, out var error));
        Assert.NotEmpty(error);
    }
}
