using System.Diagnostics;
using System.Text.Json.Nodes;
using Orvirt.KubeApiServer;

namespace Orvirt.Kubernetes.Tests;

/// <summary>Runs the real kubectl against the test API server when kubectl is installed (Debian: kubernetes-client).</summary>
public sealed class KubectlTests
{
    [SkippableFact]
    public async Task KubectlGetVmPrintsThePrinterColumns()
    {
        var kubectl = FindKubectl();
        Skip.If(kubectl is null, "kubectl is not installed (apt-get install kubernetes-client); this test was skipped");
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("web"));
        await Kube.CreateAsync(k, Kube.Vm("db"));
        await Kube.PatchStatusAsync(k, "web", JsonNode.Parse("""{"status":{"printableStatus":"Running","ready":true,"node":"node1"}}""")!);

        var (code, output) = await RunAsync(kubectl!, server, "get", "vm", "-n", "default");

        Assert.True(code == 0, $"kubectl exited {code}: {output}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 3, $"expected a header and two rows:\n{output}");
        Assert.Equal(["NAME", "STATUS", "READY", "NODE", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var db = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var web = lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("db", db[0]);
        Assert.Equal(["web", "Running", "true", "node1"], web[..4]);
        Assert.Matches("^[0-9]+[smhd]", web[4]);
    }

    [SkippableFact]
    public async Task KubectlGetVmByNameAsJsonShowsTheObject()
    {
        var kubectl = FindKubectl();
        Skip.If(kubectl is null, "kubectl is not installed (apt-get install kubernetes-client); this test was skipped");
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        await Kube.CreateAsync(k, Kube.Vm("web"));

        var (code, output) = await RunAsync(kubectl!, server, "get", "virtualmachines.orvirt.io", "web", "-n", "default", "-o", "json");

        Assert.True(code == 0, $"kubectl exited {code}: {output}");
        var obj = JsonNode.Parse(output)!;
        Assert.Equal("web", (string?)obj["metadata"]!["name"]);
        Assert.Equal("Always", (string?)obj["spec"]!["runStrategy"]);
    }

    private static string? FindKubectl() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "kubectl"))
            .FirstOrDefault(File.Exists);

    private static async Task<(int Code, string Output)> RunAsync(string kubectl, KubeApiTestServer server, params string[] args)
    {
        var home = Directory.CreateTempSubdirectory("orvirt-kubectl-");
        try
        {
            var start = new ProcessStartInfo(kubectl)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in new[] { "--server", server.Url, "--cache-dir", Path.Combine(home.FullName, "cache"), "--request-timeout", "20s" }.Concat(args))
            {
                start.ArgumentList.Add(a);
            }
            // A private, empty kubeconfig: the machine's own configuration must not leak into the test.
            start.Environment["KUBECONFIG"] = Path.Combine(home.FullName, "config");
            start.Environment["HOME"] = home.FullName;
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }
}
