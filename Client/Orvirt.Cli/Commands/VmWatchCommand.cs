using System.CommandLine;
using System.Text.Json.Nodes;
using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Client;
using Orvirt.Client.Output;

namespace Orvirt.Cli.Commands;

/// <summary><c>orvirt vm watch [-n NS | -A] [-l selector]</c>: one line per event until interrupted.</summary>
public static class VmWatchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(Option<string?> server)
    {
        var ns = CommonOptions.Namespace();
        var all = CommonOptions.AllNamespaces();
        var selector = CommonOptions.Selector();
        var output = CommonOptions.Output();
        var watchOnly = new Option<bool>("--watch-only")
        {
            Description = "Only print changes, not the VMs that exist when the watch starts.",
        };
        var timeout = new Option<TimeSpan?>("--timeout")
        {
            Description = "Stop watching after this long (exit code 0), e.g. 30s. Default: until Ctrl-C.",
            HelpName = "DURATION",
            CustomParser = r =>
            {
                var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value;
                if (CommonOptions.TryParseDuration(text, out var value))
                {
                    return value;
                }
                r.AddError($"--timeout: '{text}' is not a positive duration; use e.g. 30s or 5m");
                return null;
            },
        };
        var command = new Command("watch",
            "Print a line for every VM change (EVENT plus the list columns) until Ctrl-C; with -o json one JSON object per line.\n" +
            "The VMs that exist when the watch starts come first as ADDED unless --watch-only is given.\n\n" +
            "Examples:\n" +
            "  orvirt vm watch\n" +
            "  orvirt vm watch -A -l app=web\n" +
            "  orvirt vm watch -o json --timeout 5m");
        command.Options.Add(ns);
        command.Options.Add(all);
        command.Options.Add(selector);
        command.Options.Add(output);
        command.Options.Add(watchOnly);
        command.Options.Add(timeout);
        command.Validators.Add(r =>
        {
            if (r.GetResult(all) is { Implicit: false } && r.GetValue(all) && r.GetResult(ns) is { Implicit: false })
            {
                r.AddError("-n and -A cannot be used together; give -n NS for one namespace or -A for all");
            }
        });
        command.SetAction(CliInvocation.Action(server, invocation =>
        {
            var parse = invocation.Parse;
            var allNamespaces = parse.GetValue(all);
            var request = new WatchRequest
            {
                Namespace = allNamespaces ? "" : parse.GetValue(ns)!,
                AllNamespaces = allNamespaces,
                LabelSelector = parse.GetValue(selector) ?? "",
                SendInitial = !parse.GetValue(watchOnly),
            };
            return RunAsync(invocation, request, parse.GetValue(output), parse.GetValue(timeout));
        }));
        return command;
    }

    /// <summary>Streams <paramref name="request"/>'s events until Ctrl-C or <paramref name="timeout"/>; 0 then, 1 when the server ends the watch.</summary>
    public static async Task<int> RunAsync(CliInvocation invocation, WatchRequest request, OutputFormat format, TimeSpan? timeout)
    {
        var allNamespaces = request.AllNamespaces;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocation.CancellationToken);
        if (timeout is { } limit)
        {
            stop.CancelAfter(limit);
        }
        string[] headers = ["EVENT", .. VmTable.Headers(allNamespaces)];
        int[] widths = [8, .. headers.Skip(1).Select(h => h switch
        {
            "NAMESPACE" or "NAME" or "NODE" => 16,
            "STATUS" => 18,
            "MEMORY" => 8,
            _ => h.Length,
        })];
        if (format == OutputFormat.Table)
        {
            await invocation.Output.WriteLineAsync(TableWriter.FormatRow(headers, widths)).ConfigureAwait(false);
        }
        try
        {
            using var call = invocation.Connection.VirtualMachines.Watch(request, CliInvocation.Stream(stop.Token));
            await foreach (var e in call.ResponseStream.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                var vm = e.Vm ?? new VirtualMachine();
                switch (format)
                {
                    case OutputFormat.Table:
                        string[] cells = [e.Type, .. VmTable.Row(vm, allNamespaces, DateTimeOffset.UtcNow)];
                        await invocation.Output.WriteLineAsync(TableWriter.FormatRow(cells, widths)).ConfigureAwait(false);
                        break;
                    case OutputFormat.Json:
                        StructuredWriter.WriteJsonLine(new JsonObject { ["type"] = e.Type, ["object"] = VirtualMachineResource.ToNode(vm) }, invocation.Output);
                        break;
                    default:
                        await invocation.Output.WriteLineAsync("---").ConfigureAwait(false);
                        StructuredWriter.WriteYaml(new JsonObject { ["type"] = e.Type, ["object"] = VirtualMachineResource.ToNode(vm) }, invocation.Output);
                        break;
                }
                await invocation.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (stop.IsCancellationRequested
            && (e is OperationCanceledException || e is RpcException { StatusCode: StatusCode.Cancelled }))
        {
            // Ctrl-C or the timeout: a normal end of a watch.
            return ExitCodes.Ok;
        }
        await invocation.WriteErrorAsync("the server ended the watch; run the command again to resume").ConfigureAwait(false);
        return ExitCodes.ServerError;
    }
}
