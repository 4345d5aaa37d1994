using System.Net;
using System.Text.Json.Nodes;
using Orvirt.KubeApiServer;

namespace Orvirt.Kubernetes.Tests;

public sealed class SchemaTests
{
    [Theory]
    [InlineData("""{"running":"yes"}""", "spec.running", "FieldValueInvalid", "must be of type boolean")]
    [InlineData("""{"template":{"spec":{"domain":{"cpu":{"cores":0}}}}}""", "spec.template.spec.domain.cpu.cores", "FieldValueInvalid", "should be greater than or equal to 1")]
    [InlineData("""{"template":{"spec":{"terminationGracePeriodSeconds":7200}}}""", "spec.template.spec.terminationGracePeriodSeconds", "FieldValueInvalid", "should be less than or equal to 3600")]
    [InlineData("""{"template":{"spec":{"domain":{"memory":{"guest":{"size":1}}}}}}""", "spec.template.spec.domain.memory.guest", "FieldValueInvalid", "must be of type integer or string")]
    [InlineData("""{"template":{"spec":{"domain":{"devices":{"disks":[{"name":"d","disk":{"bus":"ide"}}]}}}}}""", "spec.template.spec.domain.devices.disks[0].disk.bus", "FieldValueNotSupported", "supported values: \"virtio\", \"sata\", \"scsi\"")]
    [InlineData("""{"template":{"spec":{"volumes":[{"emptyDisk":{"capacity":"1Gi"}}]}}}""", "spec.template.spec.volumes[0].name", "FieldValueRequired", "Required value")]
    public async Task AnInvalidSpecIsRefusedWith422NamingTheField(string specPatch, string field, string reason, string message)
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var vm = Kube.Vm("a");
        vm["spec"] = Patches.Merge(vm["spec"], JsonNode.Parse(specPatch));

        var status = await Kube.FailsWith(HttpStatusCode.UnprocessableEntity, () => Kube.CreateAsync(k, vm));

        Assert.Equal("Invalid", (string?)status["reason"]);
        var cause = Assert.Single(status["details"]!["causes"]!.AsArray());
        Assert.Equal(field, (string?)cause!["field"]);
        Assert.Equal(reason, (string?)cause["reason"]);
        Assert.Contains(message, (string?)cause["message"]);
        Assert.StartsWith($"VirtualMachine.orvirt.io \"a\" is invalid: {field}: ", (string?)status["message"]);
        Assert.Empty((await Kube.ListAsync(k))["items"]!.AsArray());
    }

    [Fact]
    public async Task EveryFailureIsListedAndAMissingTemplateIsRequired()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var vm = new JsonObject
        {
            ["apiVersion"] = "orvirt.io/v1alpha1",
            ["kind"] = "VirtualMachine",
            ["metadata"] = new JsonObject { ["name"] = "a" },
            ["spec"] = new JsonObject { ["running"] = "never" },
        };

        var status = await Kube.FailsWith(HttpStatusCode.UnprocessableEntity, () => Kube.CreateAsync(k, vm));

        var fields = status["details"]!["causes"]!.AsArray().Select(c => (string?)c!["field"]).Order().ToList();
        Assert.Equal(["spec.running", "spec.template"], fields);
    }

    [Fact]
    public async Task DefaultsAreAppliedAndUnknownFieldsArePrunedExceptWhereTheSchemaPreservesThem()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var vm = Kube.Vm("a");
        vm["bogusTopLevel"] = 1;
        var domain = vm["spec"]!["template"]!["spec"]!["domain"]!.AsObject();
        domain["cpu"] = new JsonObject { ["cores"] = 2 };
        domain["devices"]!["disks"]![0]!["disk"]!.AsObject().Remove("bus");
        domain["firmware"] = new JsonObject { ["bootloader"] = new JsonObject { ["efi"] = new JsonObject() } };
        vm["spec"]!["template"]!["spec"]!["volumes"]![0]!["containerDisk"] = new JsonObject { ["image"] = "quay.io/x" };

        var created = await Kube.CreateAsync(k, vm);

        var cpu = created["spec"]!["template"]!["spec"]!["domain"]!["cpu"]!;
        Assert.Equal("""{"cores":2,"sockets":1,"threads":1}""", cpu.ToJsonString());
        Assert.Equal("virtio", (string?)created["spec"]!["template"]!["spec"]!["domain"]!["devices"]!["disks"]![0]!["disk"]!["bus"]);
        Assert.Null(created["bogusTopLevel"]);
        // Kept so that the sync can name them as unsupported instead of losing them silently.
        Assert.NotNull(created["spec"]!["template"]!["spec"]!["domain"]!["firmware"]);
        Assert.Equal("quay.io/x", (string?)created["spec"]!["template"]!["spec"]!["volumes"]![0]!["containerDisk"]!["image"]);
    }

    [Fact]
    public async Task ABadMemoryQuantityStringIsLeftForTheSyncToReport()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);
        var vm = Kube.Vm("a");
        vm["spec"]!["template"]!["spec"]!["domain"]!["memory"]!["guest"] = "lots";

        var created = await Kube.CreateAsync(k, vm);

        Assert.Equal("lots", (string?)created["spec"]!["template"]!["spec"]!["domain"]!["memory"]!["guest"]);
    }

    [Fact]
    public async Task AnInvalidNameIsRefused()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var k = Kube.Client(server);

        var status = await Kube.FailsWith(HttpStatusCode.UnprocessableEntity, () => Kube.CreateAsync(k, Kube.Vm("Not_Valid")));

        Assert.Equal("metadata.name", (string?)status["details"]!["causes"]![0]!["field"]);
    }
}
