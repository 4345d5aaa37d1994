using System.CommandLine;
using Orvirt.Api.V1;
using Orvirt.Client.Output;

namespace Orvirt.Cli.Commands;

/// <summary><c>orvirt node list [-o json|yaml]</c>.</summary>
public static class NodeCommand
{
    /// <summary>Builds the <c>node</c> group.</summary>
    public static Command Build(Option<string?> server)
    {
        var output = CommonOptions.Output();
        var list = new Command("list",
            "List the nodes with their readiness, hypervisor, VM count and CPU/memory allocated of allocatable.\n\n" +
            "Examples:\n" +
            "  orvirt node list\n" +
            "  orvirt node list -o json")
        {
            output,
        };
        list.Aliases.Add("ls");
        list.SetAction(CliInvocation.Action(server, async invocation =>
        {
            var response = await invocation.Connection.Nodes.ListAsync(new ListNodesRequest(), invocation.Call()).ConfigureAwait(false);
            var format = invocation.Parse.GetValue(output);
            if (format == OutputFormat.Table)
            {
                NodeTable.Write(response.Items, DateTimeOffset.UtcNow, invocation.Output, invocation.Error);
            }
            else
            {
                StructuredWriter.Write(NodeResource.ToListNode(response.Items), format, invocation.Output);
            }
            return 0;
        }));
        var node = new Command("node", "Inspect the nodes that run VMs.\n\nExample:\n  orvirt node list");
        node.Subcommands.Add(list);
        return node;
    }
}
