using System.CommandLine;

namespace Orvirt.Cli.Commands;

/// <summary><c>orvirt vm ...</c>: every VM verb.</summary>
public static class VmCommand
{
    /// <summary>Builds the <c>vm</c> command group.</summary>
    public static Command Build(Option<string?> server)
    {
        var vm = new Command("vm",
            "Create, inspect and control virtual machines.\n\n" +
            "Examples:\n" +
            "  orvirt vm create web --cpu 2 --memory 512Mi\n" +
            "  orvirt vm list -l app=web\n" +
            "  orvirt vm wait web --for Running --timeout 2m");
        vm.Subcommands.Add(VmCreateCommand.Build(server));
        vm.Subcommands.Add(VmGetCommand.Build(server));
        vm.Subcommands.Add(VmDescribeCommand.Build(server));
        vm.Subcommands.Add(VmListCommand.Build(server));
        foreach (var command in VmStateCommands.Build(server))
        {
            vm.Subcommands.Add(command);
        }
        vm.Subcommands.Add(VmWaitCommand.Build(server));
        vm.Subcommands.Add(VmWatchCommand.Build(server));
        return vm;
    }
}
