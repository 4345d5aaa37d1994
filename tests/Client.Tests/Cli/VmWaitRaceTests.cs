using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orvirt.Api.V1;
using Orvirt.Testing;

namespace Orvirt.Client.Tests.Cli;

/// <summary>
/// <c>orvirt vm wait --for Deleted</c> when the VM goes between the CLI's first read and the moment its watch is
/// subscribed: the delete is then neither an event (it happened before the subscription) nor in the watch's initial
/// list (the VM is gone). A scripted gRPC endpoint on 127.0.0.1 plays the server at exactly that moment, every time.
/// </summary>
public sealed class VmWaitRaceTests
{
    private const string Ns = "race";
    private const string Name = "gone";

    [Fact]
    public async Task AVmDeletedJustBeforeTheWatchSubscribedIsReportedDeletedWithoutWaitingForTheTimeout()
    {
        var calls = new ConcurrentQueue<string>();
        await using var app = await StartScriptedServerAsync(calls, deleteWhenWatched: true);

        var result = await CliProcess.RunAsync(ServerOf(app), ["vm", "wait", Name, "-n", Ns, "--for", "Deleted", "--timeout", "60s"]);

        Assert.True(result.ExitCode == ExitCodes.Ok, $"calls: [{string.Join(", ", calls)}]\n{result}");
        Assert.Equal($"virtualmachine/{Name} Deleted", result.Stdout.Trim());
        // The path: it read the VM again once the watch was subscribed, and found it gone; no event told it.
        Assert.Equal(["Get", "Watch", "Get"], calls);
    }

    [Fact]
    public async Task AVmDeletedJustBeforeTheWatchSubscribedEndsAWaitForRunningWithNotFound()
    {
        var calls = new ConcurrentQueue<string>();
        await using var app = await StartScriptedServerAsync(calls, deleteWhenWatched: true);

        var result = await CliProcess.RunAsync(ServerOf(app), ["vm", "wait", Name, "-n", Ns, "--for", "Running", "--timeout", "60s"]);

        Assert.True(result.ExitCode == ExitCodes.NotFound, $"calls: [{string.Join(", ", calls)}]\n{result}");
        Assert.Contains($"virtualmachine/{Name} in namespace {Ns} was deleted while waiting for Running", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AVmStillTerminatingWhenTheWatchSubscribedIsWaitedForThroughItsDeletedEvent()
    {
        var calls = new ConcurrentQueue<string>();
        await using var app = await StartScriptedServerAsync(calls, deleteWhenWatched: false);

        var result = await CliProcess.RunAsync(ServerOf(app), ["vm", "wait", Name, "-n", Ns, "--for", "Deleted", "--timeout", "60s"]);

        Assert.True(result.ExitCode == ExitCodes.Ok, $"calls: [{string.Join(", ", calls)}]\n{result}");
        Assert.Equal($"virtualmachine/{Name} Deleted", result.Stdout.Trim());
        Assert.Equal(["Get", "Watch", "Get", "Watch:DELETED"], calls);
    }

    private static Uri ServerOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    /// <summary>
    /// Get answers Terminating until a watch was opened; then, with <paramref name="deleteWhenWatched"/>, NOT_FOUND (the
    /// delete finished while the watch subscribed) and the watch stays silent, like the real server whose initial list
    /// no longer holds the VM. Without it, Get keeps answering Terminating and the watch sends the VM's DELETED event.
    /// </summary>
    private static async Task<WebApplication> StartScriptedServerAsync(ConcurrentQueue<string> calls, bool deleteWhenWatched)
    {
        var watched = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.Run(async context =>
        {
            context.Response.ContentType = "application/grpc";
            switch (context.Request.Path.Value)
            {
                case "/orvirt.v1.VirtualMachines/Get":
                    calls.Enqueue("Get");
                    if (deleteWhenWatched && Volatile.Read(ref watched) > 0)
                    {
                        context.Response.AppendTrailer("grpc-status", "5");
                        context.Response.AppendTrailer("grpc-message", $"VM {Ns}/{Name} does not exist");
                        await context.Response.StartAsync();
                        return;
                    }
                    await WriteMessageAsync(context, Terminating());
                    context.Response.AppendTrailer("grpc-status", "0");
                    return;
                case "/orvirt.v1.VirtualMachines/Watch":
                    calls.Enqueue("Watch");
                    Interlocked.Increment(ref watched);
                    // Headers first, as the real server does once it is subscribed.
                    await context.Response.StartAsync();
                    await context.Response.Body.FlushAsync();
                    if (!deleteWhenWatched)
                    {
                        // The watch is subscribed; the delete finishes now and arrives as an event (after the CLI's second Get).
                        await WaitForAsync(() => calls.Count(c => c == "Get") >= 2, context.RequestAborted);
                        calls.Enqueue("Watch:DELETED");
                        await WriteMessageAsync(context, new WatchEvent { Type = "DELETED", Vm = Terminating() });
                    }
                    // Nothing more to say: the stream stays open until the client leaves (the CLI's --timeout bounds it).
                    try
                    {
                        await Task.Delay(Timeout.Infinite, context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                    return;
                default:
                    context.Response.AppendTrailer("grpc-status", "12");
                    await context.Response.StartAsync();
                    return;
            }
        });
        await app.StartAsync();
        return app;
    }

    private static VirtualMachine Terminating() => new()
    {
        Metadata = new ObjectMeta { Namespace = Ns, Name = Name, Uid = "u-1", Generation = 1 },
        Spec = new VirtualMachineSpec { RunStrategy = "Always", Memory = "64Mi" },
        Status = new VirtualMachineStatus { PrintableStatus = "Terminating", Phase = "Running" },
    };

    /// <summary>One gRPC length-prefixed message: flag 0 (uncompressed), 4-byte big-endian length, the protobuf bytes.</summary>
    private static async Task WriteMessageAsync(HttpContext context, IMessage message)
    {
        var payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame, 5);
        await context.Response.Body.WriteAsync(frame);
        await context.Response.Body.FlushAsync();
    }

    /// <summary>Until <paramref name="condition"/> holds or the call is aborted (checked every 20 ms; bounded by the CLI's own timeout).</summary>
    private static async Task WaitForAsync(Func<bool> condition, CancellationToken aborted)
    {
        while (!condition() && !aborted.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(20, aborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
