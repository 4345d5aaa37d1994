using System.Text.Json;
using Orvirt.Testing;

namespace Orvirt.Client.Tests.EndToEnd;

/// <summary>
/// The <c>orvirt</c> binary against a real silo and a real node agent (libvirt's test driver): what a user sees when
/// VMs run, pause, restart, stop, start and go away.
/// </summary>
[Collection(AgentCollection.Name)]
public sealed class CliWithAgentTests(SiloWithAgentFixture cluster)
{
    [Fact]
    public async Task AVmRunsPausesUnpausesRestartsStopsStartsAndIsDeleted()
    {
        var ns = Unique("life");
        await Ok("vm", "create", "demo", "--cpu", "1", "--memory", "128Mi", "-n", ns);
        await WaitFor(ns, "demo", "Running");
        var running = await Get(ns, "demo");
        Assert.Equal(cluster.Node, running.Node);
        Assert.Equal("Test", running.Hypervisor);
        Assert.True(running.Ready);
        Assert.NotEmpty(running.InstanceId);

        var list = Rows((await Ok("vm", "list", "-n", ns)).Stdout);
        Assert.Equal(["demo", "Running", "True", cluster.Node, "1", "128Mi"], list[1][..6]);

        await Ok("vm", "pause", "demo", "-n", ns);
        await WaitFor(ns, "demo", "Paused");
        Assert.Matches(@"Paused\s+True", (await Ok("vm", "describe", "demo", "-n", ns)).Stdout);
        await Ok("vm", "unpause", "demo", "-n", ns);
        await WaitFor(ns, "demo", "Running");
        Assert.Equal(running.InstanceId, (await Get(ns, "demo")).InstanceId);

        await Ok("vm", "restart", "demo", "-n", ns);
        var restarted = await Eventually(ns, "demo", v => v.Status == "Running" && v.InstanceId != running.InstanceId, "Running with a new instance id");
        Assert.Equal(1, restarted.RestartCount);

        // Start on Always is refused, as KubeVirt refuses it.
        var start = await Run("vm", "start", "demo", "-n", ns);
        Assert.True(start.ExitCode == ExitCodes.Conflict, start.ToString());

        // Stop on Always switches the run strategy to Halted (a spec change) and stops the domain.
        await Ok("vm", "stop", "demo", "-n", ns);
        await WaitFor(ns, "demo", "Stopped");
        var stopped = await Get(ns, "demo");
        Assert.Equal("Halted", stopped.RunStrategy);
        Assert.Equal(2, stopped.Generation);
        Assert.Equal("Shutoff", stopped.DomainState);

        // Start on Halted switches back to Always.
        await Ok("vm", "start", "demo", "-n", ns);
        await WaitFor(ns, "demo", "Running");
        Assert.Equal("Always", (await Get(ns, "demo")).RunStrategy);

        await Ok("vm", "delete", "demo", "-n", ns);
        await WaitFor(ns, "demo", "Deleted");
        var gone = await Run("vm", "get", "demo", "-n", ns);
        Assert.True(gone.ExitCode == ExitCodes.NotFound, gone.ToString());
        Assert.Contains("not found", gone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AManualVmRunsOnlyWhenStartedAndStopsWhenAsked()
    {
        var ns = Unique("manual");
        await Ok("vm", "create", "m", "--cpu", "1", "--memory", "64Mi", "-n", ns, "--run-strategy", "Manual");
        Assert.Equal("Stopped", (await Get(ns, "m")).Status);
        await Ok("vm", "start", "m", "-n", ns);
        await WaitFor(ns, "m", "Running");
        var again = await Run("vm", "start", "m", "-n", ns);
        Assert.True(again.ExitCode == ExitCodes.Conflict, again.ToString());
        Assert.Contains("already running", again.Stderr, StringComparison.Ordinal);
        await Ok("vm", "stop", "m", "-n", ns, "--force");
        await WaitFor(ns, "m", "Stopped");
        Assert.Equal("Manual", (await Get(ns, "m")).RunStrategy);
    }

    [Fact]
    public async Task AVmWhoseNodeSelectorMatchesNoNodeShowsWhyAndRunsOnceItMatches()
    {
        var ns = Unique("sched");
        var yaml = $$"""
            apiVersion: orvirt.io/v1alpha1
            kind: VirtualMachine
            metadata:
              name: picky
              namespace: {{ns}}
            spec:
              runStrategy: Always
              template:
                spec:
                  nodeSelector:
                    disk: ssd
                  domain:
                    cpu: {cores: 1}
                    memory: {guest: 64Mi}
            """;
        var applied = await CliProcess.RunAsync(cluster.Server, ["apply", "-f", "-"], yaml);
        Assert.True(applied.ExitCode == 0, applied.ToString());
        await WaitFor(ns, "picky", "ErrorUnschedulable");
        var describe = (await Ok("vm", "describe", "picky", "-n", ns)).Stdout;
        Assert.Contains("nodeSelector", describe, StringComparison.Ordinal);

        // Dropping the selector through apply places it on the agent's node.
        var fixedYaml = yaml.Replace("      nodeSelector:\n        disk: ssd\n", "", StringComparison.Ordinal);
        var reapplied = await CliProcess.RunAsync(cluster.Server, ["apply", "-f", "-"], fixedYaml);
        Assert.True(reapplied.ExitCode == 0, reapplied.ToString());
        Assert.Contains("virtualmachine/picky configured", reapplied.Stdout, StringComparison.Ordinal);
        await WaitFor(ns, "picky", "Running");
    }

    [Fact]
    public async Task NodeListShowsTheAgentsNodeReadyWithItsAllocation()
    {
        var ns = Unique("alloc");
        await Ok("vm", "create", "a", "--cpu", "2", "--memory", "256Mi", "-n", ns);
        await WaitFor(ns, "a", "Running");
        var rows = Rows((await Ok("node", "list")).Stdout);
        var row = rows.Single(r => r[0] == cluster.Node);
        Assert.Equal("Ready", row[1]);
        Assert.Equal("test", row[3]);
        await Ok("vm", "delete", "a", "-n", ns);
        await WaitFor(ns, "a", "Deleted");
    }

    private sealed record VmView(string Status, string Node, string Hypervisor, bool Ready, string InstanceId, int RestartCount, string RunStrategy, long Generation, string DomainState);

    private async Task<VmView> Get(string ns, string name)
    {
        var json = await Ok("vm", "get", name, "-n", ns, "-o", "json");
        using var doc = JsonDocument.Parse(json.Stdout);
        var root = doc.RootElement;
        var status = root.GetProperty("status");
        string S(string p) => status.TryGetProperty(p, out var v) ? v.ToString() : "";
        return new VmView(
            S("printableStatus"), S("node"), S("hypervisor"), S("ready") == "True" || S("ready") == "true", S("instanceId"),
            status.TryGetProperty("restartCount", out var rc) ? rc.GetInt32() : 0,
            root.GetProperty("spec").GetProperty("runStrategy").GetString() ?? "",
            root.GetProperty("metadata").GetProperty("generation").GetInt64(),
            S("domainState"));
    }

    private async Task<VmView> Eventually(string ns, string name, Func<VmView, bool> condition, string what) =>
        await Orvirt.Testing.Eventually.MatchAsync(() => Get(ns, name), condition, $"{ns}/{name} {what}\n{cluster.Output}");

    private async Task WaitFor(string ns, string name, string status)
    {
        var result = await Run("vm", "wait", name, "-n", ns, "--for", status, "--timeout", "30s");
        Assert.True(result.ExitCode == 0, $"{ns}/{name} did not become {status}:\n{result}\n{cluster.Output}");
    }

    private async Task<CliResult> Ok(params string[] args)
    {
        var result = await Run(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private Task<CliResult> Run(params string[] args) => CliProcess.RunAsync(cluster.Server, args);

    private static List<string[]> Rows(string stdout) =>
        [.. stdout.Replace("\r", "", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))];

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];
}
