extern alias silo;
using silo::Orvirt.Silo.Options;
using silo::Orvirt.Silo.Security;
using silo::Orvirt.Silo.Web;

namespace Orvirt.Security.Tests;

/// <summary>The token file format <c>TOKEN [admin|viewer] [ns1,ns2]</c> and the rule that a non-loopback gRPC endpoint needs tokens.</summary>
public sealed class TokenFileTests
{
    private const string Admin = "admin-token-0123456789abcdef";
    private const string Viewer = "viewer-token-0123456789abcdef";
    private const string Team = "team-token-0123456789abcdef";

    [Fact]
    public void LinesGiveRolesAndNamespacesAndAPlainLineIsAnAdminEverywhere()
    {
        var failures = new List<string>();
        var tokens = Load($"{Admin}\n{Viewer} viewer\n{Team}\tadmin\tteam-a,team-b\n", new HostPort("0.0.0.0", 50051), failures);

        Assert.Empty(failures);
        Assert.Equal(TokenRole.Admin, tokens.Authenticate(Admin)?.Role);
        Assert.True(tokens.Authenticate(Admin)!.AllNamespaces);
        Assert.Equal(TokenRole.Viewer, tokens.Authenticate(Viewer)?.Role);
        var team = tokens.Authenticate(Team);
        Assert.NotNull(team);
        Assert.True(team.Allows("team-b"));
        Assert.False(team.Allows("default"));
        Assert.Null(tokens.Authenticate(Team + "x"));
        // The HTTP pages show every namespace, so a namespace-limited token does not open them.
        Assert.True(tokens.Accepts(Viewer));
        Assert.False(tokens.Accepts(Team));
    }

    [Theory]
    [InlineData($"{Admin} owner", "use admin or viewer")]
    [InlineData($"{Admin} viewer Team_A", "DNS-1123")]
    [InlineData($"{Admin} viewer a b", "4 fields")]
    [InlineData("short viewer", "shorter than 16")]
    public void ABadLineIsRefusedSayingHowToFixItWithoutQuotingTheToken(string line, string fix)
    {
        var failures = new List<string>();
        Load(line + "\n", new HostPort("127.0.0.1", 50051), failures);

        var failure = Assert.Single(failures);
        Assert.Contains("line 1 of Orvirt:Http:TokenFile", failure, StringComparison.Ordinal);
        Assert.Contains(fix, failure, StringComparison.Ordinal);
        Assert.DoesNotContain(Admin, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void AGrpcEndpointOffLoopbackWithoutTokensIsRefusedNamingTheSettings()
    {
        var failures = new List<string>();
        AccessTokens.Load(new HttpAccessOptions(), new HostPort("127.0.0.1", 8080), new HostPort("0.0.0.0", 50051), failures);

        var failure = Assert.Single(failures);
        Assert.Contains("Orvirt:GrpcEndpoint 0.0.0.0:50051", failure, StringComparison.Ordinal);
        Assert.Contains("ORVIRT__HTTP__TOKENFILE", failure, StringComparison.Ordinal);
        Assert.Contains("ORVIRT__GRPCENDPOINT=127.0.0.1", failure, StringComparison.Ordinal);
    }

    private static AccessTokens Load(string text, HostPort grpc, List<string> failures)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, text);
            return AccessTokens.Load(new HttpAccessOptions { TokenFile = file }, new HostPort("127.0.0.1", 8080), grpc, failures);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
