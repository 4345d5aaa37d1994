using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Orvirt.KubeApiServer;

namespace Orvirt.Kubernetes.Tests;

/// <summary>Helpers that drive the test API server through KubernetesClient, as the CRD sync will.</summary>
internal static class Kube
{
    public const string Group = "orvirt.io";
    public const string Version = "v1alpha1";
    public const string Plural = "virtualmachines";
    public const string Ns = "default";

    public static k8s.Kubernetes Client(KubeApiTestServer server) => new(new KubernetesClientConfiguration { Host = server.Url });

    /// <summary>The shipped example VM under another name, with optional labels.</summary>
    public static JsonObject Vm(string name, params (string Key, string Value)[] labels)
    {
        var vm = YamlJson.ReadSingle(File.ReadAllText(KubeApiTestServer.FindRepoFile("manifests/example-vm.yaml"))).AsObject();
        vm["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Ns };
        if (labels.Length > 0)
        {
            var l = new JsonObject();
            foreach (var (k, v) in labels)
            {
                l[k] = v;
            }
            vm["metadata"]!["labels"] = l;
        }
        return vm;
    }

    public static Task<JsonObject> CreateAsync(IKubernetes k, JsonObject vm) =>
        k.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(vm, Group, Version, Ns, Plural);

    public static Task<JsonObject> GetAsync(IKubernetes k, string name) =>
        k.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, Version, Ns, Plural, name);

    public static Task<JsonObject> ReplaceAsync(IKubernetes k, JsonObject vm) =>
        k.CustomObjects.ReplaceNamespacedCustomObjectAsync<JsonObject>(vm, Group, Version, Ns, Plural, Name(vm));

    public static Task<JsonObject> ReplaceStatusAsync(IKubernetes k, JsonObject vm) =>
        k.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<JsonObject>(vm, Group, Version, Ns, Plural, Name(vm));

    public static Task<JsonObject> PatchAsync(IKubernetes k, string name, JsonNode patch, V1Patch.PatchType type = V1Patch.PatchType.MergePatch) =>
        k.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(new V1Patch(patch.ToJsonString(), type), Group, Version, Ns, Plural, name);

    public static Task<JsonObject> PatchStatusAsync(IKubernetes k, string name, JsonNode patch) =>
        k.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), Group, Version, Ns, Plural, name);

    public static Task<JsonObject> DeleteAsync(IKubernetes k, string name) =>
        k.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>(Group, Version, Ns, Plural, name);

    public static Task<JsonObject> ListAsync(IKubernetes k, string? labelSelector = null) =>
        k.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(Group, Version, Ns, Plural, labelSelector: labelSelector);

    public static string Name(JsonObject obj) => (string)obj["metadata"]!["name"]!;

    public static long Generation(JsonObject obj) => (long)obj["metadata"]!["generation"]!;

    public static string ResourceVersion(JsonObject obj) => (string)obj["metadata"]!["resourceVersion"]!;

    /// <summary>Runs <paramref name="call"/>, expects it to fail with <paramref name="status"/>, and returns the Status body.</summary>
    public static async Task<JsonObject> FailsWith(HttpStatusCode status, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(call);
        Assert.True(status == e.Response.StatusCode, $"expected HTTP {(int)status} but got {(int)e.Response.StatusCode}: {e.Response.Content}");
        var body = JsonNode.Parse(e.Response.Content)!.AsObject();
        Assert.Equal("Status", (string?)body["kind"]);
        Assert.Equal((int)status, (int)body["code"]!);
        return body;
    }
}
