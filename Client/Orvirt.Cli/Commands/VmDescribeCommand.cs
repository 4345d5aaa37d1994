using System.CommandLine;
using Orvirt.Api.V1;
using Orvirt.Client.Output;

namespace Orvirt.Cli.Commands;

/// <summary><c>orvirt vm describe NAME [-n NS]</c>.</summary>
public static class VmDescribeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(Option<string?> server)
    {
        var name = CommonOptions.VmName();
        var ns = CommonOptions.Namespace();
        var command = new Command("describe",
            "Describe a VM for people: spec, status, conditions with reason and message, and phase transitions.\n\n" +
            "Example:\n" +
            "  orvirt vm describe web -n prod")
        {
            name, ns,
        };
        command.SetAction(CliInvocation.Action(server, async invocation =>
        {
            var parse = invocation.Parse;
            var vm = await invocation.Connection.VirtualMachines.GetAsync(
                new GetRequest { Namespace = parse.GetValue(ns)!, Name = parse.GetValue(name)! }, invocation.Call()).ConfigureAwait(false);
            VmDescriber.Write(vm, DateTimeOffset.UtcNow, invocation.Output);
            return 0;
        }));
        return command;
    }
}
