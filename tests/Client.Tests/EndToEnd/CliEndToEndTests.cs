using System.Diagnostics;
using System.Text.Json;
using Orvirt.Testing;

namespace Orvirt.Client.Tests.EndToEnd;

/// <summary>
/// The <c>orvirt</c> binary against the real silo. No node agent runs, so a VM that should run stays
/// ErrorUnschedulable: that is the correct status to assert here.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class CliEndToEndTests(SiloFixture silo)
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CreateGetDescribeAndListShowWhatWasAsked()
    {
        var ns = Unique("list");
        var other = Unique("other");

        await Ok("vm", "create", "web", "--cpu", "2", "--memory", "256Mi", "-n", ns, "--label", "app=web", "--label", "tier=front");
        await Ok("vm", "create", "db", "--cpu", "1", "--memory", "128Mi", "-n", ns, "--run-strategy", "Manual", "--label", "app=db");
        await Ok("vm", "create", "web", "--cpu", "1", "--memory", "64Mi", "-n", other, "--label", "app=web");

        var json = await Ok("vm", "get", "web", "-n", ns, "-o", "json");
        using (var doc = JsonDocument.Parse(json.Stdout))
        {
            var root = doc.RootElement;
            Assert.Equal("VirtualMachine", root.GetProperty("kind").GetString());
            Assert.Equal("web", root.GetProperty("metadata").GetProperty("labels").GetProperty("app").GetString());
            var domain = root.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("domain");
            Assert.Equal(2, domain.GetProperty("cpu").GetProperty("cores").GetInt32());
            Assert.Equal("256Mi", domain.GetProperty("memory").GetProperty("guest").GetString());
            Assert.Equal("Always", root.GetProperty("spec").GetProperty("runStrategy").GetString());
        }
        await WaitForStatus(ns, "web", "ErrorUnschedulable");

        var describe = await Ok("vm", "describe", "web", "-n", ns);
        Assert.Matches(@"Printable Status:\s+ErrorUnschedulable", describe.Stdout);
        Assert.Matches(@"Failure\s+True\s+Unschedulable", describe.Stdout);
        Assert.Matches(@"Labels:\s+app=web,tier=front", describe.Stdout);
        Assert.Contains("Phase Transitions:", describe.Stdout, StringComparison.Ordinal);

        var list = await Ok("vm", "list", "-n", ns);
        var rows = Rows(list.Stdout);
        Assert.Equal(["NAME", "STATUS", "READY", "NODE", "CPU", "MEMORY", "AGE"], rows[0]);
        Assert.Equal(["db", "web"], rows.Skip(1).Select(r => r[0]));
        Assert.Equal(["web", "ErrorUnschedulable", "False", "<none>", "2", "256Mi"], rows.Single(r => r[0] == "web")[..6]);
        Assert.Equal(["db", "Stopped", "False", "<none>", "1", "128Mi"], rows.Single(r => r[0] == "db")[..6]);

        var selected = Rows((await Ok("vm", "list", "-n", ns, "-l", "app=db")).Stdout);
        Assert.Equal(["db"], selected.Skip(1).Select(r => r[0]));

        var all = Rows((await Ok("vm", "list", "-A", "-l", "app=web")).Stdout);
        Assert.Equal("NAMESPACE", all[0][0]);
        var mine = all.Skip(1).Where(r => r[0] == ns || r[0] == other).Select(r => $"{r[0]}/{r[1]}").Order(StringComparer.Ordinal);
        Assert.Equal([$"{ns}/web", $"{other}/web"], mine);

        var yaml = await Ok("vm", "list", "-n", ns, "-o", "yaml");
        Assert.StartsWith("apiVersion: v1\nkind: List\nitems:\n", yaml.Stdout.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);

        var empty = await Ok("vm", "list", "-n", Unique("empty"));
        Assert.Equal("", empty.Stdout);
        Assert.Contains("No virtual machines found", empty.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidMissingAndConflictingRequestsExitWith2And3And4()
    {
        var ns = Unique("codes");

        var invalid = await Run("vm", "create", "tiny", "--cpu", "1", "--memory", "15Mi", "-n", ns);
        Assert.True(invalid.ExitCode == ExitCodes.Usage, invalid.ToString());
        Assert.Contains("error: spec.memory: 15Mi is below the minimum of 16Mi; ask for at least 16Mi, e.g. '128Mi'", invalid.Stderr, StringComparison.Ordinal);

        var badName = await Run("vm", "create", "Bad_Name", "--cpu", "1", "--memory", "64Mi", "-n", ns);
        Assert.True(badName.ExitCode == ExitCodes.Usage, badName.ToString());
        Assert.Contains("error: metadata.name:", badName.Stderr, StringComparison.Ordinal);

        var badSelector = await Run("vm", "list", "-n", ns, "-l", "app in (a");
        Assert.True(badSelector.ExitCode == ExitCodes.Usage, badSelector.ToString());
        Assert.Contains("error: labelSelector:", badSelector.Stderr, StringComparison.Ordinal);

        var missing = await Run("vm", "get", "ghost", "-n", ns);
        Assert.True(missing.ExitCode == ExitCodes.NotFound, missing.ToString());
        Assert.Contains("ghost", missing.Stderr, StringComparison.Ordinal);
        foreach (var verb in new[] { "describe", "start", "delete" })
        {
            var r = await Run("vm", verb, "ghost", "-n", ns);
            Assert.True(r.ExitCode == ExitCodes.NotFound, r.ToString());
        }

        await Ok("vm", "create", "twice", "--cpu", "1", "--memory", "64Mi", "-n", ns);
        var conflict = await Run("vm", "create", "twice", "--cpu", "1", "--memory", "64Mi", "-n", ns);
        Assert.True(conflict.ExitCode == ExitCodes.Conflict, conflict.ToString());
        Assert.Contains("already exists", conflict.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyCreatesThenConfiguresThenLeavesUnchanged()
    {
        var ns = Unique("apply");
        var manifest = $$"""
            apiVersion: kubevirt.io/v1
            kind: VirtualMachine
            metadata:
              name: cirros
              namespace: {{ns}}
              labels:
                app: cirros
            spec:
              runStrategy: Manual
              template:
                spec:
                  domain:
                    cpu:
                      cores: 1
                    devices:
                      disks:
                      - name: scratch
                        disk:
                          bus: virtio
                      interfaces:
                      - name: default
                        masquerade: {}
                    resources:
                      requests:
                        memory: 64Mi
                  networks:
                  - name: default
                    pod: {}
                  volumes:
                  - name: scratch
                    emptyDisk:
                      capacity: 1Gi
            ---
            apiVersion: orvirt.io/v1alpha1
            kind: VirtualMachine
            metadata:
              name: second
              namespace: {{ns}}
            spec:
              runStrategy: Halted
              template:
                spec:
                  domain:
                    memory:
                      guest: 32Mi
            """;
        var path = Path.Combine(Path.GetTempPath(), $"orvirt-apply-{Guid.NewGuid():N}.yaml");
        try
        {
            await File.WriteAllTextAsync(path, manifest);

            var created = await Ok("apply", "-f", path);
            Assert.Equal($"virtualmachine/cirros created\nvirtualmachine/second created\n", Lf(created.Stdout));

            var unchanged = await Ok("apply", "-f", path);
            Assert.Equal($"virtualmachine/cirros unchanged\nvirtualmachine/second unchanged\n", Lf(unchanged.Stdout));

            var changed = await Run(["apply", "-f", "-"], stdin: manifest.Replace("memory: 64Mi", "memory: 96Mi", StringComparison.Ordinal));
            Assert.True(changed.ExitCode == 0, changed.ToString());
            Assert.Equal($"virtualmachine/cirros configured\nvirtualmachine/second unchanged\n", Lf(changed.Stdout));

            var get = await Ok("vm", "get", "cirros", "-n", ns, "-o", "yaml");
            Assert.Contains("guest: 96Mi", get.Stdout, StringComparison.Ordinal);
            Assert.Contains("capacity: 1Gi", get.Stdout, StringComparison.Ordinal);

            // What get -o yaml prints applies back as it is.
            var roundTrip = await Run(["apply", "-f", "-"], stdin: get.Stdout);
            Assert.True(roundTrip.ExitCode == 0, roundTrip.ToString());
            Assert.Equal("virtualmachine/cirros unchanged\n", Lf(roundTrip.Stdout));

            var invalid = await Run(["apply", "-f", "-"], stdin: manifest.Replace("capacity: 1Gi", "capacity: 0", StringComparison.Ordinal));
            Assert.True(invalid.ExitCode == ExitCodes.Usage, invalid.ToString());
            // The server refuses the first document; the second is still applied (unchanged), like kubectl apply.
            Assert.Contains("error: virtualmachine/cirros: spec.disks[0]", invalid.Stderr, StringComparison.Ordinal);
            Assert.Equal("virtualmachine/second unchanged\n", Lf(invalid.Stdout));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task StateVerbsAreRefusedOrAcceptedAsTheStateAllows()
    {
        var ns = Unique("state");
        await Ok("vm", "create", "manual", "--cpu", "1", "--memory", "64Mi", "-n", ns, "--run-strategy", "Manual");
        await WaitForStatus(ns, "manual", "Stopped");

        // A stopped VM cannot be paused, unpaused or restarted.
        foreach (var verb in new[] { "pause", "unpause", "restart" })
        {
            var refused = await Run("vm", verb, "manual", "-n", ns);
            Assert.True(refused.ExitCode == ExitCodes.Conflict, refused.ToString());
            Assert.StartsWith("error: ", refused.Stderr, StringComparison.Ordinal);
        }

        // Start is accepted; without a node agent it cannot be placed.
        var start = await Ok("vm", "start", "manual", "-n", ns);
        Assert.StartsWith("virtualmachine/manual start requested", start.Stdout, StringComparison.Ordinal);
        await WaitForStatus(ns, "manual", "ErrorUnschedulable");

        var stop = await Ok("vm", "stop", "manual", "-n", ns, "--grace-period", "5");
        Assert.StartsWith("virtualmachine/manual stop requested", stop.Stdout, StringComparison.Ordinal);
        await WaitForStatus(ns, "manual", "Stopped");

        // Stopping a VM that is already stopped is refused.
        var again = await Run("vm", "stop", "manual", "-n", ns, "--force");
        Assert.True(again.ExitCode == ExitCodes.Conflict, again.ToString());

        var delete = await Ok("vm", "delete", "manual", "-n", ns);
        Assert.StartsWith("virtualmachine/manual deleted", delete.Stdout, StringComparison.Ordinal);
        var gone = await Ok("vm", "wait", "manual", "-n", ns, "--for", "Deleted", "--timeout", "30s");
        Assert.Equal("virtualmachine/manual Deleted\n", Lf(gone.Stdout));
        var get = await Run("vm", "get", "manual", "-n", ns);
        Assert.True(get.ExitCode == ExitCodes.NotFound, get.ToString());
    }

    [Fact]
    public async Task AnAlwaysVmRefusesStartAndPauseAndAcceptsRestart()
    {
        var ns = Unique("always");
        await Ok("vm", "create", "web", "--cpu", "1", "--memory", "64Mi", "-n", ns);
        await WaitForStatus(ns, "web", "ErrorUnschedulable");

        var start = await Run("vm", "start", "web", "-n", ns);
        Assert.True(start.ExitCode == ExitCodes.Conflict, start.ToString());
        var pause = await Run("vm", "pause", "web", "-n", ns);
        Assert.True(pause.ExitCode == ExitCodes.Conflict, pause.ToString());
        Assert.Contains("error: ", pause.Stderr, StringComparison.Ordinal);

        // Accepted; with no node the new run cannot be placed either.
        var restart = await Ok("vm", "restart", "web", "-n", ns);
        Assert.Equal("virtualmachine/web restart requested (status: ErrorUnschedulable)\n", Lf(restart.Stdout));
        await WaitForStatus(ns, "web", "ErrorUnschedulable");
    }

    [Fact]
    public async Task WaitTimesOutWithExit5AndSaysWhatTheStatusIs()
    {
        var ns = Unique("wait");
        await Ok("vm", "create", "stuck", "--cpu", "1", "--memory", "64Mi", "-n", ns);
        await WaitForStatus(ns, "stuck", "ErrorUnschedulable");

        var result = await Run("vm", "wait", "stuck", "-n", ns, "--for", "Running", "--timeout", "2s");

        Assert.True(result.ExitCode == ExitCodes.TimedOut, result.ToString());
        Assert.Contains($"error: timed out after 2s waiting for virtualmachine/stuck in namespace {ns} to be Running; it is ErrorUnschedulable", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Unschedulable", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);

        // A bounded watch ends by itself with exit code 0 after printing what exists.
        var watch = await Ok("vm", "watch", "-n", ns, "--timeout", "2s");
        var rows = Rows(watch.Stdout);
        Assert.Equal("EVENT", rows[0][0]);
        Assert.Equal(["ADDED", "stuck", "ErrorUnschedulable"], rows[1][..3]);
    }

    [Theory]
    [InlineData("watch")]
    [InlineData("list", "-w")]
    public async Task WatchPrintsALinePerEvent(params string[] command)
    {
        var ns = Unique("watch");
        await Ok("vm", "create", "seen", "--cpu", "1", "--memory", "64Mi", "-n", ns, "--run-strategy", "Manual");
        await WaitForStatus(ns, "seen", "Stopped");

        using var watch = CliProcess.Start(silo.Server, ["vm", .. command, "-n", ns]);
        var lines = new List<string>();
        try
        {
            Assert.StartsWith("EVENT", await ReadLineAsync(watch, lines), StringComparison.Ordinal);
            Assert.Matches(@"^ADDED\s+seen\s+Stopped\s", await ReadLineAsync(watch, lines));

            await Ok("vm", "start", "seen", "-n", ns);
            await ReadUntilAsync(watch, lines, @"^MODIFIED\s+seen\s+ErrorUnschedulable\s");

            await Ok("vm", "delete", "seen", "-n", ns);
            await ReadUntilAsync(watch, lines, @"^DELETED\s+seen\s");
        }
        finally
        {
            if (!watch.HasExited)
            {
                watch.Kill(entireProcessTree: true);
            }
            await watch.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task NodeListPrintsTheSameNodesAsTableAndJson()
    {
        var json = await Ok("node", "list", "-o", "json");
        var table = await Ok("node", "list");

        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal("List", doc.RootElement.GetProperty("kind").GetString());
        var names = doc.RootElement.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("name").GetString()).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            Assert.Contains("No nodes found", table.Stderr, StringComparison.Ordinal);
        }
        else
        {
            var rows = Rows(table.Stdout);
            Assert.Equal("NAME", rows[0][0]);
            Assert.Equal(names, rows.Skip(1).Select(r => r[0]).Order(StringComparer.Ordinal));
        }
    }

    private async Task<CliResult> Ok(params string[] args)
    {
        var result = await Run(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private Task<CliResult> Run(params string[] args) => CliProcess.RunAsync(silo.Server, args);

    private Task<CliResult> Run(string[] args, string stdin) => CliProcess.RunAsync(silo.Server, args, stdin);

    /// <summary>Uses the CLI's own wait (which fails with its status after the timeout).</summary>
    private async Task WaitForStatus(string ns, string name, string status)
    {
        var result = await Run("vm", "wait", name, "-n", ns, "--for", status, "--timeout", "30s");
        Assert.True(result.ExitCode == 0, $"{ns}/{name} did not become {status}:\n{result}");
    }

    private static async Task<string> ReadLineAsync(Process process, List<string> seen)
    {
        using var cts = new CancellationTokenSource(EventTimeout);
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(cts.Token)
                ?? throw new InvalidOperationException($"orvirt vm watch ended; stderr:\n{await process.StandardError.ReadToEndAsync()}\nlines so far:\n{string.Join("\n", seen)}");
            seen.Add(line);
            return line;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"orvirt vm watch printed nothing for {EventTimeout.TotalSeconds} s; lines so far:\n{string.Join("\n", seen)}");
        }
    }

    private static async Task ReadUntilAsync(Process process, List<string> seen, string pattern)
    {
        // Bounded: other events for this VM (status steps) may come first.
        for (var i = 0; i < 50; i++)
        {
            if (System.Text.RegularExpressions.Regex.IsMatch(await ReadLineAsync(process, seen), pattern))
            {
                return;
            }
        }
        Assert.Fail($"no watch line matched {pattern}; lines:\n{string.Join("\n", seen)}");
    }

    private static List<string[]> Rows(string stdout) =>
        [.. Lf(stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))];

    private static string Lf(string text) => text.Replace("\r", "", StringComparison.Ordinal);

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];
}
