using System.CommandLine;
using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Client;

namespace Orvirt.Cli.Commands;

/// <summary><c>orvirt vm wait NAME --for STATUS [--timeout 60s]</c>: waits through Watch for a printable status.</summary>
public static class VmWaitCommand
{
    /// <summary>What <c>--for</c> accepts: the printable statuses, <c>Ready</c> (the Ready condition) and <c>Deleted</c>.</summary>
    public static readonly string[] Targets =
    [
        "Stopped", "Provisioning", "Starting", "Running", "Paused", "Stopping", "Terminating", "CrashLoopBackOff",
        "ErrorUnschedulable", "Unknown", "Ready", "Deleted",
    ];

    private const int MaxWatchAttempts = 1000;

    /// <summary>Builds the command.</summary>
    public static Command Build(Option<string?> server)
    {
        var name = CommonOptions.VmName();
        var ns = CommonOptions.Namespace();
        var target = new Option<string>("--for")
        {
            Description = $"The status to wait for: {string.Join(", ", Targets)}.",
            HelpName = "STATUS",
            Required = true,
        };
        target.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (value is not null && Canonical(value) is null)
            {
                r.AddError($"--for: '{value}' is not a status; use one of {string.Join(", ", Targets)}, e.g. --for Running");
            }
        });
        var timeout = CommonOptions.Duration("--timeout", "How long to wait, e.g. 60s or 5m. Default 60s.", TimeSpan.FromSeconds(60));
        var command = new Command("wait",
            "Wait until a VM reaches a status, then print it. On timeout, say what the status is instead (exit code 5).\n\n" +
            "Examples:\n" +
            "  orvirt vm wait web --for Running --timeout 2m\n" +
            "  orvirt vm wait web --for Deleted")
        {
            name, ns, target, timeout,
        };
        command.SetAction(CliInvocation.Action(server, invocation => RunAsync(invocation,
            invocation.Parse.GetValue(ns)!, invocation.Parse.GetValue(name)!,
            Canonical(invocation.Parse.GetValue(target)!)!, invocation.Parse.GetValue(timeout))));
        return command;
    }

    /// <summary>The canonical spelling of a <c>--for</c> value (case-insensitive), or null.</summary>
    public static string? Canonical(string value) =>
        Targets.FirstOrDefault(t => string.Equals(t, value, StringComparison.OrdinalIgnoreCase));

    private static async Task<int> RunAsync(CliInvocation invocation, string ns, string name, string target, TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(invocation.CancellationToken);
        deadline.CancelAfter(timeout);
        var client = invocation.Connection.VirtualMachines;
        VirtualMachine? last = null;
        try
        {
            try
            {
                last = await client.GetAsync(new GetRequest { Namespace = ns, Name = name }, invocation.Call()).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && target == "Deleted")
            {
                return await DoneAsync(invocation, name, "Deleted").ConfigureAwait(false);
            }
            if (Matches(last, target))
            {
                return await DoneAsync(invocation, name, Describe(last)).ConfigureAwait(false);
            }
            for (var attempt = 0; attempt < MaxWatchAttempts && !deadline.IsCancellationRequested; attempt++)
            {
                using var call = client.Watch(new WatchRequest { Namespace = ns, SendInitial = true }, CliInvocation.Stream(deadline.Token));
                // The server sends the response headers once the watch is subscribed. A VM deleted between the read
                // above and that moment is in neither the initial list nor the events, so read it once more now: from
                // here on the watch has every change.
                await call.ResponseHeadersAsync.WaitAsync(deadline.Token).ConfigureAwait(false);
                try
                {
                    last = await client.GetAsync(new GetRequest { Namespace = ns, Name = name }, invocation.Call()).ConfigureAwait(false);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                    return await GoneAsync(invocation, ns, name, target).ConfigureAwait(false);
                }
                if (Matches(last, target))
                {
                    return await DoneAsync(invocation, name, Describe(last)).ConfigureAwait(false);
                }
                await foreach (var e in call.ResponseStream.ReadAllAsync(deadline.Token).ConfigureAwait(false))
                {
                    if (e.Vm?.Metadata?.Name != name)
                    {
                        continue;
                    }
                    if (e.Type == "DELETED")
                    {
                        return await GoneAsync(invocation, ns, name, target).ConfigureAwait(false);
                    }
                    last = e.Vm;
                    if (Matches(last, target))
                    {
                        return await DoneAsync(invocation, name, Describe(last)).ConfigureAwait(false);
                    }
                }
                // The server ended the stream; watch again while time is left.
            }
        }
        catch (Exception e) when (deadline.IsCancellationRequested && !invocation.CancellationToken.IsCancellationRequested
            && (e is OperationCanceledException || e is RpcException { StatusCode: StatusCode.Cancelled or StatusCode.DeadlineExceeded }))
        {
            // Timed out: reported below.
        }
        var now = last is null ? "unknown" : Explain(last);
        throw new CliException(ExitCodes.TimedOut,
            $"timed out after {CommonOptions.FormatDuration(timeout)} waiting for virtualmachine/{name} in namespace {ns} to be {target}; it is {now}. " +
            "Wait longer with --timeout, or see 'orvirt vm describe " + name + "'");
    }

    private static bool Matches(VirtualMachine vm, string target) => target switch
    {
        "Ready" => vm.Status?.Ready == true,
        "Deleted" => false,
        _ => string.Equals(vm.Status?.PrintableStatus, target, StringComparison.Ordinal),
    };

    private static string Describe(VirtualMachine vm) => vm.Status?.PrintableStatus is { Length: > 0 } s ? s : "Unknown";

    private static string Explain(VirtualMachine vm)
    {
        var status = Describe(vm);
        var problem = vm.Status?.Conditions
            .Where(c => (c.Type == "Failure" && c.Status == "True")
                || (c.Type == "Ready" && c.Status != "True" && c.Reason.Length > 0 && c.Reason != status))
            .Select(c => c.Message.Length > 0 ? $"{c.Reason}: {c.Message}" : c.Reason)
            .FirstOrDefault();
        return problem is null ? status : $"{status} ({problem})";
    }

    /// <summary>The VM is gone: done when waiting for Deleted, otherwise NOT_FOUND's exit code.</summary>
    private static Task<int> GoneAsync(CliInvocation invocation, string ns, string name, string target) =>
        target == "Deleted"
            ? DoneAsync(invocation, name, "Deleted")
            : throw new CliException(ExitCodes.NotFound, $"virtualmachine/{name} in namespace {ns} was deleted while waiting for {target}");

    private static async Task<int> DoneAsync(CliInvocation invocation, string name, string status)
    {
        await invocation.Output.WriteLineAsync($"virtualmachine/{name} {status}").ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
