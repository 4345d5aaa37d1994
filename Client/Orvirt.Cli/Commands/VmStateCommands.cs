using System.CommandLine;
using Grpc.Core;
using Orvirt.Api.V1;

namespace Orvirt.Cli.Commands;

/// <summary><c>orvirt vm start|stop|restart|pause|unpause|delete NAME</c>.</summary>
public static class VmStateCommands
{
    private delegate AsyncUnaryCall<VirtualMachine> RefCall(VirtualMachines.VirtualMachinesClient client, VmRef vmRef, CallOptions options);

    /// <summary>Builds the six commands.</summary>
    public static IEnumerable<Command> Build(Option<string?> server)
    {
        yield return Simple(server, "start", "start requested",
            "Ask a stopped VM to start, as its run strategy allows; refused when its state or run strategy does not allow it (exit code 4).\n\n" +
            "Example:\n  orvirt vm start web",
            (c, r, o) => c.StartAsync(r, o));
        yield return Stop(server);
        yield return Simple(server, "restart", "restart requested",
            "Stop the current run and start a new one (a new instance id).\n\n" +
            "Example:\n  orvirt vm restart web",
            (c, r, o) => c.RestartAsync(r, o));
        yield return Simple(server, "pause", "pause requested",
            "Pause a running VM (its vCPUs stop; memory is kept). Refused unless it is running (exit code 4).\n\n" +
            "Example:\n  orvirt vm pause web",
            (c, r, o) => c.PauseAsync(r, o));
        yield return Simple(server, "unpause", "unpause requested",
            "Resume a paused VM. Refused unless it is paused (exit code 4).\n\n" +
            "Example:\n  orvirt vm unpause web",
            (c, r, o) => c.UnpauseAsync(r, o));
        yield return Simple(server, "delete", "deleted",
            "Delete a VM: it is stopped and removed once its domain is gone.\n\n" +
            "Example:\n  orvirt vm delete web -n prod",
            (c, r, o) => c.DeleteAsync(r, o));
    }

    private static Command Simple(Option<string?> server, string verb, string done, string description, RefCall call)
    {
        var name = CommonOptions.VmName();
        var ns = CommonOptions.Namespace();
        var command = new Command(verb, description) { name, ns };
        command.SetAction(CliInvocation.Action(server, async invocation =>
        {
            var vmRef = new VmRef { Namespace = invocation.Parse.GetValue(ns)!, Name = invocation.Parse.GetValue(name)! };
            var vm = await call(invocation.Connection.VirtualMachines, vmRef, invocation.Call()).ConfigureAwait(false);
            await invocation.Output.WriteLineAsync(Describe(vmRef.Name, done, vm)).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Command Stop(Option<string?> server)
    {
        var name = CommonOptions.VmName();
        var ns = CommonOptions.Namespace();
        var grace = new Option<int?>("--grace-period")
        {
            Description = "Seconds to wait for the guest to shut down before the domain is destroyed; overrides the VM's terminationGracePeriodSeconds.",
            HelpName = "SECONDS",
        };
        grace.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 0)
            {
                r.AddError("--grace-period: must be 0 or more seconds, e.g. --grace-period 10");
            }
        });
        var force = new Option<bool>("--force")
        {
            Description = "Destroy the domain at once instead of asking the guest to shut down.",
        };
        var command = new Command("stop",
            "Stop a running VM: the guest is asked to shut down, and destroyed after the grace period.\n" +
            "Refused when the VM's state or run strategy does not allow it (exit code 4).\n\n" +
            "Examples:\n  orvirt vm stop web\n  orvirt vm stop web --grace-period 5\n  orvirt vm stop web --force")
        {
            name, ns, grace, force,
        };
        command.SetAction(CliInvocation.Action(server, async invocation =>
        {
            var parse = invocation.Parse;
            var request = new StopRequest { Namespace = parse.GetValue(ns)!, Name = parse.GetValue(name)!, Force = parse.GetValue(force) };
            if (parse.GetValue(grace) is { } seconds)
            {
                request.GracePeriodSeconds = seconds;
            }
            var vm = await invocation.Connection.VirtualMachines.StopAsync(request, invocation.Call()).ConfigureAwait(false);
            await invocation.Output.WriteLineAsync(Describe(request.Name, "stop requested", vm)).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static string Describe(string name, string done, VirtualMachine vm)
    {
        var status = vm.Status?.PrintableStatus;
        return string.IsNullOrEmpty(status) ? $"virtualmachine/{name} {done}" : $"virtualmachine/{name} {done} (status: {status})";
    }
}
