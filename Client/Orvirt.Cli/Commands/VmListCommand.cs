using System.CommandLine;
using Orvirt.Api.V1;
using Orvirt.Client;
using Orvirt.Client.Output;

namespace Orvirt.Cli.Commands;

/// <summary><c>orvirt vm list [-n NS | -A] [-l selector] [-o json|yaml]</c>.</summary>
public static class VmListCommand
{
    private const int PageSize = 500;
    private const int MaxPages = 10_000;

    /// <summary>Builds the command.</summary>
    public static Command Build(Option<string?> server)
    {
        var ns = CommonOptions.Namespace();
        var all = CommonOptions.AllNamespaces();
        var selector = CommonOptions.Selector();
        var output = CommonOptions.Output();
        var watch = new Option<bool>("--watch", "-w")
        {
            Description = "After listing, keep printing changes (like 'orvirt vm watch') until Ctrl-C.",
        };
        var command = new Command("list",
            "List VMs in a namespace (default 'default') or all namespaces, optionally filtered by labels.\n" +
            "Columns: [NAMESPACE] NAME STATUS READY NODE CPU MEMORY AGE.\n\n" +
            "Examples:\n" +
            "  orvirt vm list\n" +
            "  orvirt vm list -A -l app=web\n" +
            "  orvirt vm list -n prod -o json\n" +
            "  orvirt vm list -w");
        command.Aliases.Add("ls");
        command.Options.Add(ns);
        command.Options.Add(all);
        command.Options.Add(selector);
        command.Options.Add(output);
        command.Options.Add(watch);
        command.Validators.Add(r =>
        {
            if (r.GetResult(all) is { Implicit: false } && r.GetValue(all) && r.GetResult(ns) is { Implicit: false })
            {
                r.AddError("-n and -A cannot be used together; give -n NS for one namespace or -A for all");
            }
        });
        command.SetAction(CliInvocation.Action(server, async invocation =>
        {
            var parse = invocation.Parse;
            var allNamespaces = parse.GetValue(all);
            if (parse.GetValue(watch))
            {
                return await VmWatchCommand.RunAsync(invocation, new WatchRequest
                {
                    Namespace = allNamespaces ? "" : parse.GetValue(ns)!,
                    AllNamespaces = allNamespaces,
                    LabelSelector = parse.GetValue(selector) ?? "",
                    SendInitial = true,
                }, parse.GetValue(output), timeout: null).ConfigureAwait(false);
            }
            var items = await ListAllAsync(invocation, new ListRequest
            {
                Namespace = allNamespaces ? "" : parse.GetValue(ns)!,
                AllNamespaces = allNamespaces,
                LabelSelector = parse.GetValue(selector) ?? "",
            }).ConfigureAwait(false);
            var format = parse.GetValue(output);
            if (format == OutputFormat.Table)
            {
                VmTable.Write(items, allNamespaces, parse.GetValue(ns)!, DateTimeOffset.UtcNow, invocation.Output, invocation.Error);
            }
            else
            {
                StructuredWriter.Write(VirtualMachineResource.ToListNode(items), format, invocation.Output);
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Follows continue tokens until the last page (bounded).</summary>
    public static async Task<List<VirtualMachine>> ListAllAsync(CliInvocation invocation, ListRequest request)
    {
        var items = new List<VirtualMachine>();
        request.Limit = PageSize;
        for (var page = 0; page < MaxPages; page++)
        {
            var response = await invocation.Connection.VirtualMachines.ListAsync(request, invocation.Call()).ConfigureAwait(false);
            items.AddRange(response.Items);
            if (string.IsNullOrEmpty(response.ContinueToken))
            {
                return items;
            }
            request.ContinueToken = response.ContinueToken;
        }
        throw new CliException(ExitCodes.ServerError, $"the server kept returning pages after {MaxPages * PageSize} VMs; narrow the list with -n or -l");
    }
}
