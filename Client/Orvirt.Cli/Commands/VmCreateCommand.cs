using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using Orvirt.Api.V1;

namespace Orvirt.Cli.Commands;

/// <summary><c>orvirt vm create NAME --cpu N --memory 256Mi [--run-strategy S] [-n NS] [--label k=v ...]</c>.</summary>
public static partial class VmCreateCommand
{
    /// <summary>The run strategies the API knows, in their canonical spelling.</summary>
    public static readonly string[] RunStrategies = ["Always", "RerunOnFailure", "Manual", "Halted", "Once"];

    [GeneratedRegex("^[0-9]+(Ki|Mi|Gi|Ti|Pi|k|K|M|G|T)?$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityShape();

    /// <summary>Builds the command.</summary>
    public static Command Build(Option<string?> server)
    {
        var name = CommonOptions.VmName();
        var ns = CommonOptions.Namespace();
        var cpu = new Option<int>("--cpu")
        {
            Description = "Number of vCPUs (one socket with N cores).",
            HelpName = "N",
            Required = true,
            CustomParser = ParseCpu,
        };
        var memory = new Option<string>("--memory")
        {
            Description = "Guest memory as a quantity, e.g. 256Mi or 2Gi.",
            HelpName = "QUANTITY",
            Required = true,
        };
        memory.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (value is not null && !QuantityShape().IsMatch(value))
            {
                r.AddError($"--memory: '{value}' is not a quantity; use a whole number with an optional suffix Ki, Mi, Gi or Ti, e.g. --memory 256Mi");
            }
        });
        var runStrategy = new Option<string?>("--run-strategy")
        {
            Description = $"When the VM runs: {string.Join(", ", RunStrategies)}. Default: Always.",
            HelpName = "STRATEGY",
        };
        runStrategy.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string?>();
            if (value is not null && Canonical(value) is null)
            {
                r.AddError($"--run-strategy: '{value}' is not a run strategy; use one of {string.Join(", ", RunStrategies)}, e.g. --run-strategy Manual");
            }
        });
        var labels = new Option<string[]>("--label")
        {
            Description = "A label key=value; repeat for more, e.g. --label app=web --label tier=front.",
            HelpName = "KEY=VALUE",
            AllowMultipleArgumentsPerToken = false,
        };
        labels.Validators.Add(r =>
        {
            foreach (var value in r.GetValueOrDefault<string[]>() ?? [])
            {
                if (value.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    r.AddError($"--label: '{value}' is not key=value; e.g. --label app=web");
                }
            }
        });

        var command = new Command("create",
            "Create a VM. With the default run strategy (Always) it starts as soon as a node has room.\n\n" +
            "Examples:\n" +
            "  orvirt vm create web --cpu 2 --memory 512Mi\n" +
            "  orvirt vm create batch --cpu 1 --memory 128Mi --run-strategy Manual -n jobs --label app=batch")
        {
            name, ns, cpu, memory, runStrategy, labels,
        };
        command.SetAction(CliInvocation.Action(server, async invocation =>
        {
            var parse = invocation.Parse;
            var request = new CreateRequest
            {
                Namespace = parse.GetValue(ns)!,
                Name = parse.GetValue(name)!,
                Spec = new VirtualMachineSpec
                {
                    Cpu = new Cpu { Sockets = 1, Cores = parse.GetValue(cpu), Threads = 1 },
                    Memory = parse.GetValue(memory)!,
                    RunStrategy = Canonical(parse.GetValue(runStrategy) ?? "") ?? "",
                },
            };
            foreach (var label in parse.GetValue(labels) ?? [])
            {
                var eq = label.IndexOf('=', StringComparison.Ordinal);
                request.Labels[label[..eq]] = label[(eq + 1)..];
            }
            var vm = await invocation.Connection.VirtualMachines.CreateAsync(request, invocation.Call()).ConfigureAwait(false);
            await invocation.Output.WriteLineAsync($"virtualmachine/{vm.Metadata.Name} created").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    /// <summary>The canonical spelling of a run strategy (case-insensitive), or null when unknown; empty stays empty.</summary>
    public static string? Canonical(string value) =>
        value.Length == 0 ? "" : RunStrategies.FirstOrDefault(s => string.Equals(s, value, StringComparison.OrdinalIgnoreCase));

    private static int ParseCpu(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1)
        {
            return n;
        }
        result.AddError($"--cpu: '{text}' is not a number of vCPUs; give a whole number of at least 1, e.g. --cpu 2");
        return 0;
    }
}
