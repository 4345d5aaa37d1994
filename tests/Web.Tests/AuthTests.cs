using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Orvirt.Testing;

namespace Orvirt.Web.Tests;

/// <summary>The HTTP endpoint's token rule, against the real silo bound to all interfaces (the test connects via 127.0.0.1).</summary>
public sealed class AuthTests
{
    private static readonly string[] GuardedPaths = ["/", "/app.js", "/api/vms", "/api/nodes", "/api/vms/default/none", "/metrics", "/dashboard/"];

    [Fact]
    public async Task NonLoopbackBindWithoutTokenRefusesToStartAndSaysHowToConfigureOne()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.StartAsync(new SiloProcessOptions { HttpBindHost = "0.0.0.0" }));

        Assert.Contains("exited with code 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("is reachable from other machines", e.Message, StringComparison.Ordinal);
        Assert.Contains("ORVIRT__HTTP__TOKENS__0", e.Message, StringComparison.Ordinal);
        Assert.Contains("ORVIRT__HTTP__TOKENFILE", e.Message, StringComparison.Ordinal);
        Assert.Contains("ORVIRT__HTTPENDPOINT=127.0.0.1:8080", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShortTokenIsRefusedWithTheSettingToFix()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.StartAsync(new SiloProcessOptions
        {
            HttpBindHost = "0.0.0.0",
            Environment = new Dictionary<string, string> { ["ORVIRT__HTTP__TOKENS__0"] = "short" },
        }));

        Assert.Contains("exited with code 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("Orvirt:Http:Tokens:0 is shorter than 16 characters; set ORVIRT__HTTP__TOKENS__0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonLoopbackBindWithTokenAnswers401WithoutItAnd200WithIt()
    {
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        await using var silo = await SiloProcess.StartAsync(new SiloProcessOptions
        {
            HttpBindHost = "0.0.0.0",
            Environment = new Dictionary<string, string> { ["ORVIRT__HTTP__TOKENS__0"] = token },
        });
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = silo.HttpAddress, Timeout = TimeSpan.FromSeconds(10) };

        using (var health = await http.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        foreach (var path in GuardedPaths)
        {
            using var anonymous = await http.GetAsync(path);
            Assert.True(anonymous.StatusCode == HttpStatusCode.Unauthorized, $"GET {path} without a token answered {(int)anonymous.StatusCode}, expected 401");
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Contains("Authorization: Bearer", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            using var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token + "x") } };
            using var wrongResponse = await http.SendAsync(wrong);
            Assert.True(wrongResponse.StatusCode == HttpStatusCode.Unauthorized, $"GET {path} with a wrong token answered {(int)wrongResponse.StatusCode}, expected 401");

            using var right = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
            using var rightResponse = await http.SendAsync(right);
            var expected = path == "/api/vms/default/none" ? HttpStatusCode.NotFound : HttpStatusCode.OK;
            Assert.True(rightResponse.StatusCode == expected, $"GET {path} with the token answered {(int)rightResponse.StatusCode}, expected {(int)expected}");
        }
    }

    [Fact]
    public async Task BrowserOpensTheTokenLinkOnceAndThenUsesTheCookie()
    {
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        await using var silo = await SiloProcess.StartAsync(new SiloProcessOptions
        {
            Environment = new Dictionary<string, string> { ["ORVIRT__HTTP__TOKENS__0"] = token },
        });
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = silo.HttpAddress, Timeout = TimeSpan.FromSeconds(10) };

        using var login = await http.GetAsync("/?access_token=" + token);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location?.ToString());
        var cookie = login.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var page = new HttpRequestMessage(HttpMethod.Get, "/api/vms") { Headers = { { "Cookie", cookie.Split(';')[0] } } };
        using var pageResponse = await http.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, pageResponse.StatusCode);

        using var wrongLink = await http.GetAsync("/?access_token=" + token[..^1]);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongLink.StatusCode);
    }
}
