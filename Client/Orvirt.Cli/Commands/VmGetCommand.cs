using System.CommandLine;
using Orvirt.Api.V1;
using Orvirt.Client.Output;

namespace Orvirt.Cli.Commands;

/// <summary><c>orvirt vm get NAME [-n NS] [-o json|yaml]</c>.</summary>
public static class VmGetCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(Option<string?> server)
    {
        var name = CommonOptions.VmName();
        var ns = CommonOptions.Namespace();
        var output = CommonOptions.Output();
        var command = new Command("get",
            "Show one VM: a table row by default, or the whole resource with -o json|yaml (YAML can be edited and applied back).\n\n" +
            "Examples:\n" +
            "  orvirt vm get web\n" +
            "  orvirt vm get web -o json\n" +
            "  orvirt vm get web -o yaml > web.yaml")
        {
            name, ns, output,
        };
        command.SetAction(CliInvocation.Action(server, async invocation =>
        {
            var parse = invocation.Parse;
            var vm = await invocation.Connection.VirtualMachines.GetAsync(
                new GetRequest { Namespace = parse.GetValue(ns)!, Name = parse.GetValue(name)! }, invocation.Call()).ConfigureAwait(false);
            var format = parse.GetValue(output);
            if (format == OutputFormat.Table)
            {
                VmTable.Write([vm], allNamespaces: false, parse.GetValue(ns)!, DateTimeOffset.UtcNow, invocation.Output, invocation.Error);
            }
            else
            {
                StructuredWriter.Write(VirtualMachineResource.ToNode(vm), format, invocation.Output);
            }
            return 0;
        }));
        return command;
    }
}
