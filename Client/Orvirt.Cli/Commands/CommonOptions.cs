using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Orvirt.Client.Output;

namespace Orvirt.Cli.Commands;

/// <summary>Options and arguments shared by several commands; each call makes a new instance for one command.</summary>
public static class CommonOptions
{
    /// <summary>The namespace used when <c>-n</c> is not given.</summary>
    public const string DefaultNamespace = "default";

    /// <summary><c>NAME</c>, a VM name.</summary>
    public static Argument<string> VmName() => new("NAME") { Description = "The VM's name (a DNS-1123 label, e.g. 'web-1')." };

    /// <summary><c>-n, --namespace</c> with default <c>default</c>.</summary>
    public static Option<string> Namespace() => new("--namespace", "-n")
    {
        Description = "The namespace.",
        HelpName = "NS",
        DefaultValueFactory = _ => DefaultNamespace,
    };

    /// <summary><c>-A, --all-namespaces</c>.</summary>
    public static Option<bool> AllNamespaces() => new("--all-namespaces", "-A")
    {
        Description = "Across all namespaces (adds a NAMESPACE column).",
    };

    /// <summary><c>-l, --selector</c>, a Kubernetes label selector.</summary>
    public static Option<string?> Selector() => new("--selector", "-l")
    {
        Description = "Label selector, e.g. 'app=web,tier!=db' or 'env in (prod,staging)'.",
        HelpName = "SELECTOR",
    };

    /// <summary><c>-o, --output</c>: table (default), json or yaml.</summary>
    public static Option<OutputFormat> Output() => new("--output", "-o")
    {
        Description = "Output format: table (default), json or yaml.",
        HelpName = "json|yaml",
        DefaultValueFactory = _ => OutputFormat.Table,
        CustomParser = ParseOutput,
    };

    /// <summary>A duration such as <c>60s</c>, <c>2m</c>, <c>1h30m</c> or plain seconds.</summary>
    public static Option<TimeSpan> Duration(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => ParseDuration(r, name),
    };

    /// <summary>Parses <c>90</c>, <c>90s</c>, <c>2m</c>, <c>1h30m</c>, <c>500ms</c>; false for anything else or non-positive.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var plainSeconds))
        {
            value = TimeSpan.FromSeconds(plainSeconds);
            return plainSeconds > 0;
        }
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
            if (i == start || !long.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 1_000_000)
            {
                return false;
            }
            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }
            switch (text[unitStart..i])
            {
                case "ms": value += TimeSpan.FromMilliseconds(n); break;
                case "s": value += TimeSpan.FromSeconds(n); break;
                case "m": value += TimeSpan.FromMinutes(n); break;
                case "h": value += TimeSpan.FromHours(n); break;
                default: return false;
            }
        }
        return value > TimeSpan.Zero;
    }

    /// <summary>Prints a duration the way <see cref="TryParseDuration"/> reads it.</summary>
    public static string FormatDuration(TimeSpan value) =>
        value.TotalSeconds >= 1 && value.Milliseconds == 0
            ? ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";

    private static OutputFormat ParseOutput(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        switch (text.ToLowerInvariant())
        {
            case "table" or "wide":
                return OutputFormat.Table;
            case "json":
                return OutputFormat.Json;
            case "yaml" or "yml":
                return OutputFormat.Yaml;
            default:
                result.AddError($"--output: '{text}' is not an output format; use json or yaml (or table, the default), e.g. -o json");
                return OutputFormat.Table;
        }
    }

    private static TimeSpan ParseDuration(ArgumentResult result, string name)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        if (TryParseDuration(text, out var value))
        {
            return value;
        }
        result.AddError($"{name}: '{text}' is not a positive duration; use e.g. 60s, 2m or 1h30m");
        return TimeSpan.Zero;
    }
}
