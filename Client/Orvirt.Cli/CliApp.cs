using System.CommandLine;
using Orvirt.Cli.Commands;
using Orvirt.Client;
using Orvirt.Client.Connection;

namespace Orvirt.Cli;

/// <summary>The <c>orvirt</c> command tree and its entry point.</summary>
public static class CliApp
{
    /// <summary>Builds the command tree.</summary>
    public static RootCommand BuildRoot()
    {
        var server = new Option<string?>("--server")
        {
            Description = $"The orvirt API address, e.g. http://10.0.0.5:5050, or several silos of a cluster separated by commas (the next is tried when one cannot be reached). Default: ${ServerAddress.EnvironmentVariable}, else {ServerAddress.Default}. " +
                $"A bearer token is sent from ${ServerAddress.TokenVariable} when set.",
            HelpName = "URL",
            Recursive = true,
        };
        var root = new RootCommand(
            "orvirt manages virtual machines on an Orvirt control plane.\n\n" +
            "Examples:\n" +
            "  orvirt vm create web --cpu 2 --memory 512Mi --label app=web\n" +
            "  orvirt vm list -A\n" +
            "  orvirt apply -f vm.yaml\n\n" +
            ExitCodes.Help);
        root.Options.Add(server);
        root.Subcommands.Add(VmCommand.Build(server));
        root.Subcommands.Add(ApplyCommand.Build(server));
        root.Subcommands.Add(NodeCommand.Build(server));
        ExtendedHelpAction.Install(root);
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the command; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not ExtendedHelpAction)
        {
            foreach (var e in parse.Errors)
            {
                await error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            }
            await error.WriteLineAsync($"Run '{CommandPath(parse.CommandResult.Command, root)} --help' for usage and examples.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return await parse.InvokeAsync(configuration).ConfigureAwait(false);
    }

    private static string CommandPath(Command command, RootCommand root)
    {
        var names = new List<string>();
        for (var c = command; c is not null && c != root; c = FindParent(root, c))
        {
            names.Insert(0, c.Name);
        }
        return string.Join(' ', ["orvirt", .. names]);
    }

    private static Command? FindParent(Command from, Command child)
    {
        foreach (var sub in from.Subcommands)
        {
            if (sub == child)
            {
                return from;
            }
            if (FindParent(sub, child) is { } found)
            {
                return found;
            }
        }
        return null;
    }
}
