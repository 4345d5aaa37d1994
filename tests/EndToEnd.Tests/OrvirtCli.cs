using System.Text.Json;
using Orvirt.Client;
using Orvirt.Testing;

namespace Orvirt.EndToEnd.Tests;

/// <summary>The <c>orvirt</c> binary pointed at the suite's silo, with the checks every test repeats.</summary>
public sealed class OrvirtCli(Func<Uri> server, Func<string> context)
{
    /// <summary>Runs <c>orvirt ARGS</c>.</summary>
    public Task<CliResult> RunAsync(params string[] args) => CliProcess.RunAsync(server(), args);

    /// <summary>Runs <c>orvirt ARGS</c> and fails the test unless it exits 0.</summary>
    public async Task<CliResult> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == ExitCodes.Ok, $"{result}\n{context()}");
        return result;
    }

    /// <summary><c>orvirt vm get NAME -n NS -o json</c>.</summary>
    public async Task<VmView> GetAsync(string ns, string name)
    {
        var result = await OkAsync("vm", "get", name, "-n", ns, "-o", "json");
        using var doc = JsonDocument.Parse(result.Stdout);
        return VmView.Parse(doc.RootElement);
    }

    /// <summary><c>orvirt vm wait NAME -n NS --for STATUS --timeout 30s</c> must succeed; returns the VM as it is then.</summary>
    public async Task<VmView> WaitForAsync(string ns, string name, string status, int timeoutSeconds = 30)
    {
        await WaitAsync(ns, name, status, timeoutSeconds);
        return await GetAsync(ns, name);
    }

    /// <summary><c>orvirt vm wait NAME -n NS --for Deleted --timeout 60s</c> must succeed.</summary>
    // A delete takes a few seconds (the agent destroys the domain and removes the pod). The "over 60 s" deletes seen
    // before were vm wait missing a delete that finished while its watch subscribed (tests/Client.Tests VmWaitRaceTests).
    public Task WaitDeletedAsync(string ns, string name) => WaitAsync(ns, name, "Deleted", 60);

    /// <summary>Polls <c>orvirt vm get</c> until <paramref name="condition"/> holds.</summary>
    public async Task<VmView> EventuallyAsync(string ns, string name, Func<VmView, bool> condition, string what, int timeoutSeconds = 30)
    {
        try
        {
            return await Eventually.MatchAsync(() => GetAsync(ns, name), condition, $"{ns}/{name} {what}", TimeSpan.FromSeconds(timeoutSeconds));
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{context()}");
        }
    }

    /// <summary><c>orvirt vm create NAME --cpu 1 --memory 64Mi -n NS --run-strategy S</c>: the smallest VM, no disks.</summary>
    public Task<CliResult> CreateTinyVmAsync(string ns, string name, string runStrategy = "Always") =>
        OkAsync("vm", "create", name, "--cpu", "1", "--memory", "64Mi", "-n", ns, "--run-strategy", runStrategy);

    /// <summary>The node as <c>orvirt node list -o json</c> shows it, or null.</summary>
    public async Task<JsonElement?> NodeAsync(string node)
    {
        var result = await OkAsync("node", "list", "-o", "json");
        using var doc = JsonDocument.Parse(result.Stdout);
        foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
        {
            if (item.GetProperty("name").GetString() == node)
            {
                return item.Clone();
            }
        }
        return null;
    }

    private async Task WaitAsync(string ns, string name, string status, int timeoutSeconds)
    {
        var result = await RunAsync("vm", "wait", name, "-n", ns, "--for", status, "--timeout", $"{timeoutSeconds}s");
        if (result.ExitCode != ExitCodes.Ok)
        {
            // What the VM is now, read separately: tells a slow VM from a wait that missed the change.
            var now = await RunAsync("vm", "get", name, "-n", ns);
            Assert.Fail($"{ns}/{name} did not become {status} within {timeoutSeconds} s:\n{result}\nvm get now:\n{now}\n{context()}");
        }
    }
}
