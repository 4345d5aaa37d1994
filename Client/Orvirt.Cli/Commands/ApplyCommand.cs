using System.CommandLine;
using Grpc.Core;
using Orvirt.Client;
using Orvirt.Client.Errors;
using Orvirt.Client.Manifests;

namespace Orvirt.Cli.Commands;

/// <summary><c>orvirt apply -f FILE</c>: create or update VMs from VirtualMachine manifests.</summary>
public static class ApplyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(Option<string?> server)
    {
        var file = new Option<string>("--filename", "-f")
        {
            Description = "A YAML file with one or more VirtualMachine documents separated by '---'; '-' reads stdin.",
            HelpName = "FILE",
            Required = true,
        };
        var ns = new Option<string?>("--namespace", "-n")
        {
            Description = "Namespace for documents without metadata.namespace (default 'default'); a document naming another namespace is an error.",
            HelpName = "NS",
        };
        var command = new Command("apply",
            "Create or update VMs from VirtualMachine manifests (KubeVirt's shape).\n\n" +
            "apiVersion orvirt.io/v1alpha1 or kubevirt.io/v1, kind VirtualMachine.\n" +
            "Prints virtualmachine/NAME created, configured or unchanged for each. Every unsupported field is reported by its path\n" +
            "(exit code 2) and nothing is applied when any document has a problem. Volumes: emptyDisk {capacity} or the orvirt\n" +
            "extension image {path} (a base image relative to the node's image folder); interfaces: masquerade {} (user networking).\n\n" +
            "Examples:\n" +
            "  orvirt apply -f vm.yaml\n" +
            "  orvirt vm get web -o yaml | sed 's/128Mi/256Mi/' | orvirt apply -f -")
        {
            file, ns,
        };
        command.SetAction(CliInvocation.Action(server, async invocation =>
        {
            var path = invocation.Parse.GetValue(file)!;
            var explicitNamespace = invocation.Parse.GetValue(ns);
            var options = new ManifestOptions
            {
                DefaultNamespace = string.IsNullOrEmpty(explicitNamespace) ? CommonOptions.DefaultNamespace : explicitNamespace,
                NamespaceIsExplicit = !string.IsNullOrEmpty(explicitNamespace),
            };
            var documents = Read(path, options);
            if (documents.Count == 0)
            {
                throw new CliException(ExitCodes.Usage, $"-f {path}: no VirtualMachine documents found; the file is empty");
            }
            var invalid = documents.Where(d => !d.IsValid).ToList();
            if (invalid.Count > 0)
            {
                var lines = invalid.SelectMany(d => d.Problems.Select(p => documents.Count > 1 ? $"{d.Describe()}: {p}" : p.ToString()));
                throw new CliException(ExitCodes.Usage, string.Join('\n', lines) + (documents.Count > 1 ? "\nnothing was applied" : ""));
            }

            var exitCode = ExitCodes.Ok;
            foreach (var document in documents)
            {
                var request = document.Request!;
                try
                {
                    var response = await invocation.Connection.VirtualMachines.ApplyAsync(request, invocation.Call()).ConfigureAwait(false);
                    var outcome = response.Created ? "created" : response.Changed ? "configured" : "unchanged";
                    await invocation.Output.WriteLineAsync($"virtualmachine/{request.Name} {outcome}").ConfigureAwait(false);
                }
                catch (RpcException e) when (e.StatusCode != StatusCode.Unavailable && documents.Count > 1)
                {
                    // Report this document and go on with the others, like kubectl apply.
                    var translated = RpcErrorTranslator.Translate(e, invocation.Connection.Address);
                    await invocation.WriteErrorAsync(string.Join('\n', translated.Message.Split('\n').Select(l => $"virtualmachine/{request.Name}: {l}"))).ConfigureAwait(false);
                    exitCode = exitCode == ExitCodes.Ok ? translated.ExitCode : exitCode;
                }
            }
            return exitCode;
        }));
        return command;
    }

    private static IReadOnlyList<ManifestDocument> Read(string path, ManifestOptions options)
    {
        if (path == "-")
        {
            return ManifestReader.Read(Console.In, options);
        }
        if (Directory.Exists(path))
        {
            throw new CliException(ExitCodes.Usage, $"-f {path}: is a directory; give a YAML file, or '-' for stdin");
        }
        try
        {
            using var reader = new StreamReader(path);
            return ManifestReader.Read(reader, options);
        }
        catch (FileNotFoundException)
        {
            throw new CliException(ExitCodes.Usage, $"-f {path}: no such file; give the path of a YAML manifest, or '-' for stdin");
        }
        catch (DirectoryNotFoundException)
        {
            throw new CliException(ExitCodes.Usage, $"-f {path}: no such file; give the path of a YAML manifest, or '-' for stdin");
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"-f {path}: permission denied; make the file readable, or pipe it with '-f -'");
        }
    }
}
