using System.Text.Json;

namespace Orvirt.EndToEnd.Tests;

/// <summary>What a user reads in <c>orvirt vm get NAME -o json</c> (or in one <c>vm watch -o json</c> event), reduced to what the tests check.</summary>
public sealed record VmView(
    string Namespace,
    string Name,
    string Status,
    string RunStrategy,
    string Node,
    string Hypervisor,
    bool Ready,
    string InstanceId,
    string DomainState,
    IReadOnlyList<VmCondition> Conditions,
    int ConsecutiveFailures,
    string StartFailureReason)
{
    /// <summary>The <c>Failure</c> condition when it is True, else null.</summary>
    public VmCondition? Failure => Conditions.FirstOrDefault(c => c.Type == "Failure" && c.Status == "True");

    /// <summary>Reads the resource object (<c>apiVersion, kind, metadata, spec, status</c>).</summary>
    public static VmView Parse(JsonElement resource)
    {
        var metadata = resource.GetProperty("metadata");
        var status = resource.TryGetProperty("status", out var s) ? s : default;
        string S(JsonElement e, string p) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(p, out var v) ? v.ToString() : "";
        var conditions = new List<VmCondition>();
        if (status.ValueKind == JsonValueKind.Object && status.TryGetProperty("conditions", out var list))
        {
            conditions.AddRange(list.EnumerateArray().Select(c => new VmCondition(S(c, "type"), S(c, "status"), S(c, "reason"), S(c, "message"))));
        }
        var failure = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("startFailure", out var f) ? f : default;
        return new VmView(
            S(metadata, "namespace"),
            S(metadata, "name"),
            S(status, "printableStatus"),
            resource.TryGetProperty("spec", out var spec) ? S(spec, "runStrategy") : "",
            S(status, "node"),
            S(status, "hypervisor"),
            status.ValueKind == JsonValueKind.Object && status.TryGetProperty("ready", out var ready) && ready.ValueKind == JsonValueKind.True,
            S(status, "instanceId"),
            S(status, "domainState"),
            conditions,
            failure.ValueKind == JsonValueKind.Object && failure.TryGetProperty("consecutiveFailures", out var n) ? n.GetInt32() : 0,
            S(failure, "reason"));
    }

    /// <summary>For assertion messages.</summary>
    public override string ToString() =>
        $"{Namespace}/{Name} {Status} (run {InstanceId}, domain {DomainState}, node {Node}, {Hypervisor}, failures {ConsecutiveFailures} {StartFailureReason}; [{string.Join("; ", Conditions)}])";
}
