extern alias silo;

using AccessTokens = silo::Orvirt.Silo.Web.AccessTokens;
using HostPort = silo::Orvirt.Silo.Options.HostPort;
using HttpAccessOptions = silo::Orvirt.Silo.Web.HttpAccessOptions;

namespace Orvirt.Web.Tests;

/// <summary>Which binds need a token, and how tokens are read and matched.</summary>
public sealed class AccessTokensTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.1.2.3", false)]
    [InlineData("::1", false)]
    [InlineData("localhost", false)]
    [InlineData("0.0.0.0", true)]
    [InlineData("*", true)]
    [InlineData("::", true)]
    [InlineData("10.1.2.3", true)]
    public void OnlyLoopbackMayRunWithoutToken(string host, bool refused)
    {
        var failures = new List<string>();
        var tokens = AccessTokens.Load(new HttpAccessOptions(), new HostPort(host, 8080), failures);

        Assert.False(tokens.Required);
        Assert.Equal(refused, failures.Count == 1);
        Assert.All(failures, f => Assert.Contains("ORVIRT__HTTP__TOKENS__0", f, StringComparison.Ordinal));
    }

    [Fact]
    public void TokenFileSkipsBlankAndCommentLinesAndOnlyItsTokensAreAccepted()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, $"# rotated 2026-01\n\n  {Token}  \nsecond-token-0123456789\n");
            var failures = new List<string>();
            var tokens = AccessTokens.Load(new HttpAccessOptions { TokenFile = file }, new HostPort("0.0.0.0", 8080), failures);

            Assert.Empty(failures);
            Assert.True(tokens.Required);
            Assert.True(tokens.Accepts(Token));
            Assert.True(tokens.Accepts("second-token-0123456789"));
            Assert.False(tokens.Accepts(Token[..^1]));
            Assert.False(tokens.Accepts("# rotated 2026-01"));
            Assert.False(tokens.Accepts(""));
            Assert.False(tokens.Accepts(null));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void UnreadableTokenFileNamesTheSettingToFix()
    {
        var failures = new List<string>();
        AccessTokens.Load(new HttpAccessOptions { TokenFile = "/nonexistent/orvirt-tokens" }, new HostPort("127.0.0.1", 8080), failures);

        Assert.Contains(failures, f => f.Contains("'/nonexistent/orvirt-tokens' cannot be read", StringComparison.Ordinal) && f.Contains("ORVIRT__HTTP__TOKENFILE", StringComparison.Ordinal));
    }

    [Fact]
    public void TokenWithSpacesIsRefused()
    {
        var failures = new List<string>();
        AccessTokens.Load(new HttpAccessOptions { Tokens = ["has a space in it 0123456789"] }, new HostPort("127.0.0.1", 8080), failures);

        Assert.Equal(["Orvirt:Http:Tokens:0 contains spaces or control characters; set ORVIRT__HTTP__TOKENS__0 to a token of printable characters only, e.g. the output of 'openssl rand -hex 32'."], failures);
    }
}
