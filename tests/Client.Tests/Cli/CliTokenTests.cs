using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orvirt.Testing;

namespace Orvirt.Client.Tests.Cli;

/// <summary>What the CLI puts on the wire: a recording HTTP/2 endpoint on 127.0.0.1 that refuses every call as UNAUTHENTICATED.</summary>
public sealed class CliTokenTests
{
    [Fact]
    public async Task TheTokenFromTheEnvironmentIsSentAsABearerHeader()
    {
        var seen = new ConcurrentQueue<string>();
        await using var app = await StartRecorderAsync(seen);
        var server = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

        var result = await CliProcess.RunAsync(server, ["node", "list"], environment: new Dictionary<string, string> { ["ORVIRT_TOKEN"] = "s3cret" });

        Assert.True(seen.SequenceEqual(["Bearer s3cret"]), $"headers seen: [{string.Join(", ", seen)}]\n{result}");
        Assert.True(result.ExitCode == ExitCodes.ServerError, result.ToString());
        Assert.Contains("error: token rejected", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("set ORVIRT_TOKEN to a token the server at", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutATokenNoAuthorizationHeaderIsSent()
    {
        var seen = new ConcurrentQueue<string>();
        await using var app = await StartRecorderAsync(seen);
        var server = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

        var result = await CliProcess.RunAsync(server, ["node", "list"]);

        Assert.True(seen.SequenceEqual([""]), $"headers seen: [{string.Join(", ", seen)}]\n{result}");
        Assert.True(result.ExitCode == ExitCodes.ServerError, result.ToString());
    }

    private static async Task<WebApplication> StartRecorderAsync(ConcurrentQueue<string> seen)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.Run(async context =>
        {
            seen.Enqueue(context.Request.Headers.Authorization.ToString());
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "16");
            context.Response.AppendTrailer("grpc-message", "token rejected");
            await context.Response.StartAsync();
        });
        await app.StartAsync();
        return app;
    }
}
