extern alias silo;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Orvirt.Testing;
using silo::Orvirt.Silo.Options;
using silo::Orvirt.Silo.Web;

namespace Orvirt.Security.Tests;

/// <summary>
/// The HTTP endpoint's per-client limit: a flood gets 429 with <c>Retry-After</c> and a JSON error naming the
/// setting, <c>/healthz</c> is never limited, and the client is served again once the window has passed.
/// </summary>
public sealed class HttpRateLimitTests
{
    private const int Limit = 5;

    [Fact]
    public async Task AnHttpFloodGets429WithRetryAfterWhileHealthzStaysUpAndTheClientIsServedAfterTheWindow()
    {
        await using var secured = await TokenFileSilo.StartAsync(new Dictionary<string, string>
        {
            ["ORVIRT__HTTP__RATELIMIT__REQUESTSPERWINDOW"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // A tiny window, so that the client is served again soon after the flood.
            ["ORVIRT__HTTP__RATELIMIT__WINDOW"] = "00:00:00.250",
        });
        var (silo, tokens) = (secured.Silo, secured.Tokens);
        using var http = new HttpClient { BaseAddress = silo.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };

        // 40 requests at once: at most 5 fit one window, so some must be refused.
        var flood = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => SendAsync(http, "/api/vms", tokens.Admin)));
        var codes = flood.Select(r => r.Code).ToList();
        Assert.Contains(HttpStatusCode.TooManyRequests, codes);
        Assert.All(codes, c => Assert.True(c is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"flood got {c}"));
        Assert.True(codes.Count(c => c == HttpStatusCode.OK) >= 1, $"not one of the flood's requests was served: {string.Join(",", codes)}");
        var refused = flood.First(r => r.Code == HttpStatusCode.TooManyRequests);
        Assert.True(refused.RetryAfterSeconds >= 1, $"429 without a Retry-After of at least 1 s: '{refused.RetryAfterSeconds}'");
        using (var body = JsonDocument.Parse(refused.Body))
        {
            Assert.Equal("Orvirt:Http:RateLimit:RequestsPerWindow", body.RootElement.GetProperty("field").GetString());
            var message = body.RootElement.GetProperty("message").GetString()!;
            Assert.Contains($"limit {Limit} per 250 ms", message, StringComparison.Ordinal);
            Assert.Contains("ORVIRT__HTTP__RATELIMIT__REQUESTSPERWINDOW", message, StringComparison.Ordinal);
        }

        // /healthz is exempt: far more probes at once than the limit, all answered.
        var probes = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => SendAsync(http, "/healthz", null)));
        Assert.All(probes, p => Assert.Equal(HttpStatusCode.OK, p.Code));

        // After the window a well-behaved client is served again.
        await Eventually.MatchAsync(
            async () => (await SendAsync(http, "/api/vms", tokens.Admin)).Code,
            c => c == HttpStatusCode.OK,
            "the flooding client to be served again after the window");
        Assert.False(silo.HasExited);
        Assert.Contains("HTTP rate limit: refused", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(tokens.Admin, silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ATokenIsItsOwnClientByDigestAndAnythingElseIsCountedByRemoteAddress()
    {
        const string admin = "admin-token-0123456789abcdef";
        const string viewer = "viewer-token-0123456789abcdef";
        var failures = new List<string>();
        var tokens = AccessTokens.Load(new HttpAccessOptions { Tokens = [admin, viewer] }, new HostPort("127.0.0.1", 8080), failures);
        Assert.Empty(failures);

        var adminKey = HttpClientKey.Of(Request(header: "Bearer " + admin), tokens);
        var viewerKey = HttpClientKey.Of(Request(cookie: viewer), tokens);
        var wrongKey = HttpClientKey.Of(Request(header: "Bearer made-up-token-0123456789"), tokens);
        var noneKey = HttpClientKey.Of(Request(), tokens);

        Assert.StartsWith("token:", adminKey, StringComparison.Ordinal);
        Assert.StartsWith("token:", viewerKey, StringComparison.Ordinal);
        Assert.NotEqual(adminKey, viewerKey);
        Assert.DoesNotContain(admin, adminKey, StringComparison.Ordinal);
        Assert.Equal(adminKey, HttpClientKey.Of(Request(header: "Bearer " + admin, remote: "192.0.2.9"), tokens));
        // A made-up token gets no bucket of its own: it shares its address's.
        Assert.Equal("addr:192.0.2.1", wrongKey);
        Assert.Equal("addr:192.0.2.1", noneKey);
    }

    [Theory]
    [InlineData(-1, "00:00:01", "ORVIRT__HTTP__RATELIMIT__REQUESTSPERWINDOW")]
    [InlineData(10, "00:00:00", "ORVIRT__HTTP__RATELIMIT__WINDOW")]
    [InlineData(10, "02:00:00", "ORVIRT__HTTP__RATELIMIT__WINDOW")]
    public void ABadLimitIsRefusedNamingTheSettingToFix(int requests, string window, string setting)
    {
        var result = new HttpRateLimitOptionsValidator().Validate(null, new HttpRateLimitOptions { RequestsPerWindow = requests, Window = TimeSpan.Parse(window, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultsAndTurningTheLimitOffAreValid()
    {
        Assert.True(new HttpRateLimitOptionsValidator().Validate(null, new HttpRateLimitOptions()).Succeeded);
        Assert.True(new HttpRateLimitOptionsValidator().Validate(null, new HttpRateLimitOptions { RequestsPerWindow = 0, Window = TimeSpan.Zero }).Succeeded);
    }

    private static DefaultHttpContext Request(string? header = null, string? cookie = null, string remote = "192.0.2.1")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (header is not null)
        {
            context.Request.Headers.Authorization = header;
        }
        if (cookie is not null)
        {
            context.Request.Headers.Cookie = $"{BearerTokenMiddleware.CookieName}={cookie}";
        }
        return context;
    }

    private static async Task<(HttpStatusCode Code, double RetryAfterSeconds, string Body)> SendAsync(HttpClient http, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await http.SendAsync(request);
        var retry = response.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0;
        return (response.StatusCode, retry, await response.Content.ReadAsStringAsync());
    }
}
