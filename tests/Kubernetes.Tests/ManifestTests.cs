using System.Diagnostics;
using System.Text.Json.Nodes;
using Orvirt.KubeApiServer;

namespace Orvirt.Kubernetes.Tests;

public sealed class ManifestTests
{
    private static string ManifestsDir => KubeApiTestServer.FindRepoFile("manifests");

    public static TheoryData<string> ManifestFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(ManifestsDir, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void EveryManifestParsesAsYamlIntoObjectsWithKindAndName(string file)
    {
        var documents = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(ManifestsDir, file)));

        Assert.NotEmpty(documents);
        foreach (var doc in documents)
        {
            Assert.False(string.IsNullOrEmpty((string?)doc["apiVersion"]), $"{file}: a document has no apiVersion");
            Assert.False(string.IsNullOrEmpty((string?)doc["kind"]), $"{file}: a document has no kind");
            if ((string?)doc["kind"] != "Kustomization")
            {
                Assert.False(string.IsNullOrEmpty((string?)doc["metadata"]?["name"]), $"{file}: a {(string?)doc["kind"]} has no metadata.name");
            }
        }
    }

    [Fact]
    public void TheExampleVmValidatesAgainstTheCrdSchemaWithNothingPrunedOrDefaulted()
    {
        var crd = YamlJson.ReadSingle(File.ReadAllText(Path.Combine(ManifestsDir, "crd-virtualmachines.yaml")));
        var schema = StructuralSchema.FromCrd(crd, "v1alpha1");
        var example = YamlJson.ReadSingle(File.ReadAllText(Path.Combine(ManifestsDir, "example-vm.yaml"))).AsObject();
        var original = example.DeepClone();

        var errors = schema.Apply(example);

        Assert.True(errors.Count == 0, "the example VM is invalid: " + string.Join("; ", errors));
        Assert.True(JsonNode.DeepEquals(original, example), $"the schema changed the example:\n{original.ToJsonString()}\n{example.ToJsonString()}");
        Assert.Equal("orvirt.io/v1alpha1", (string?)example["apiVersion"]);
    }

    [Fact]
    public void TheCrdServesVirtualMachinesWithAStatusSubresourceAndThePrinterColumns()
    {
        var crd = YamlJson.ReadSingle(File.ReadAllText(Path.Combine(ManifestsDir, "crd-virtualmachines.yaml")));
        var type = ResourceType.FromCrd(crd);

        Assert.Equal("virtualmachines.orvirt.io", (string?)crd["metadata"]!["name"]);
        Assert.Equal(("orvirt.io", "v1alpha1", "VirtualMachine", "virtualmachines"), (type.Group, type.Version, type.Kind, type.Plural));
        Assert.Contains("vm", type.ShortNames);
        Assert.True(type.Namespaced);
        Assert.True(type.HasStatusSubresource);
        Assert.Equal(["Status", "Ready", "Node", "Age"], type.PrinterColumns.Select(c => (string?)c["name"]));
    }

    [Fact]
    public void TheKustomizationListsEveryManifestButTheExample()
    {
        var kustomization = YamlJson.ReadSingle(File.ReadAllText(Path.Combine(ManifestsDir, "kustomization.yaml")));
        var listed = kustomization["resources"]!.AsArray().Select(r => (string)r!).Order(StringComparer.Ordinal).ToList();
        var files = Directory.GetFiles(ManifestsDir, "*.yaml").Select(f => Path.GetFileName(f))
            .Where(f => f is not ("kustomization.yaml" or "example-vm.yaml")).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(files, listed);
    }

    [Fact]
    public void TheAgentDaemonSetIsPrivilegedWithKvmAndAHostPodFolder()
    {
        var agent = YamlJson.ReadSingle(File.ReadAllText(Path.Combine(ManifestsDir, "agent.yaml")));
        var pod = agent["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]![0]!;
        var volumes = pod["volumes"]!.AsArray().ToDictionary(v => (string)v!["name"]!, v => v!);

        Assert.Equal("DaemonSet", (string?)agent["kind"]);
        Assert.True((bool?)container["securityContext"]!["privileged"]);
        Assert.Equal("/dev/kvm", (string?)volumes["kvm"]["hostPath"]!["path"]);
        Assert.NotNull(volumes["pods"]["hostPath"]);
    }

    [SkippableFact]
    public async Task DockerComposeConfigAcceptsTheComposeFile()
    {
        var compose = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "docker-compose")).FirstOrDefault(File.Exists);
        Skip.If(compose is null, "docker-compose is not installed (apt-get install docker-compose); this test was skipped");
        var file = KubeApiTestServer.FindRepoFile("docker-compose.yml");
        var start = new ProcessStartInfo(compose!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-f", file, "config" })
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"docker-compose config failed: {await stderr}");
        var config = YamlJson.ReadSingle(output);
        var services = config["services"]!.AsObject().Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["agent", "init", "redis", "silo1", "silo2"], services);
        Assert.True((bool?)config["services"]!["agent"]!["privileged"]);
        Assert.Contains("/dev/kvm:/dev/kvm", config["services"]!["agent"]!["devices"]!.AsArray().Select(d => (string?)d));
        Assert.Equal("Redis", (string?)config["services"]!["silo2"]!["environment"]!["ORVIRT__MODE"]);
    }
}
