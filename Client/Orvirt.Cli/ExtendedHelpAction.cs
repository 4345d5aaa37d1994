using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace Orvirt.Cli;

/// <summary>
/// The standard help followed by a command's examples (and the root's exit codes). Commands are built with a
/// description of the form <c>summary\n\nmore</c>; <see cref="Install"/> keeps the summary for command lists and
/// prints the rest after the standard help of that command.
/// </summary>
public sealed class ExtendedHelpAction : SynchronousCommandLineAction
{
    private readonly HelpAction _standard;
    private readonly ConditionalWeakTable<Command, string> _extra = [];

    private ExtendedHelpAction(HelpAction standard) => _standard = standard;

    /// <summary>Splits every description under <paramref name="root"/> and replaces the root's help action.</summary>
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().First();
        var action = new ExtendedHelpAction((HelpAction)help.Action!);
        action.Split(root);
        help.Action = action;
    }

    /// <inheritdoc />
    public override int Invoke(ParseResult parseResult)
    {
        var code = _standard.Invoke(parseResult);
        if (_extra.TryGetValue(parseResult.CommandResult.Command, out var extra))
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine(extra.TrimEnd());
            output.WriteLine();
        }
        return code;
    }

    private void Split(Command command)
    {
        var description = command.Description ?? "";
        var cut = description.IndexOf("\n\n", StringComparison.Ordinal);
        if (cut >= 0)
        {
            command.Description = description[..cut];
            _extra.AddOrUpdate(command, description[(cut + 2)..]);
        }
        foreach (var sub in command.Subcommands)
        {
            Split(sub);
        }
    }
}
