using System.Text.Json.Nodes;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Kubernetes;

/// <summary>Builds a CR's <c>status</c> from the grain's view, and the merge patch that writes it.</summary>
internal static class CrStatus
{
    /// <summary>
    /// The status to show. <paramref name="problems"/>, when any, become a <c>Failure</c> condition naming each
    /// field; conditions keep their lastTransitionTime while unchanged so that a rewrite changes nothing.
    /// </summary>
    public static JsonObject Build(VmSnapshot? vm, long desiredGeneration, long? observedGeneration, IReadOnlyList<FieldViolation>? problems, JsonObject? current, DateTimeOffset now)
    {
        var status = new JsonObject();
        var conditions = new JsonArray();
        if (vm is not null)
        {
            status["printableStatus"] = vm.Status.PrintableStatus.ToString();
            status["ready"] = vm.Status.IsTrue(ConditionTypes.Ready);
            status["created"] = vm.Status.Phase != VmPhase.None;
            if (!string.IsNullOrEmpty(vm.Status.Node))
            {
                status["node"] = vm.Status.Node;
            }
            if (!string.IsNullOrEmpty(vm.Status.InstanceId))
            {
                status["instanceId"] = vm.Status.InstanceId;
            }
            status["restartCount"] = vm.Status.RestartCount;
            foreach (var c in vm.Status.Conditions)
            {
                if (problems is { Count: > 0 } && c.Type == ConditionTypes.Failure)
                {
                    continue;
                }
                conditions.Add(Condition(c.Type, c.Status.ToString(), c.Reason, c.Message, CrSpecWriter.Time(c.LastTransitionTime)));
            }
        }
        else
        {
            status["printableStatus"] = (string?)current?["printableStatus"] ?? PrintableStatus.Stopped.ToString();
            status["ready"] = false;
        }
        if (observedGeneration is { } observed)
        {
            status["observedGeneration"] = observed;
        }
        status["desiredGeneration"] = desiredGeneration;
        if (problems is { Count: > 0 })
        {
            var message = string.Join("; ", problems.Select(p => $"{p.Field}: {p.Description}"));
            var previous = (current?["conditions"] as JsonArray)?.OfType<JsonObject>()
                .FirstOrDefault(c => (string?)c["type"] == ConditionTypes.Failure && (string?)c["status"] == "True"
                    && (string?)c["reason"] == VirtualMachineResource.InvalidSpecReason && (string?)c["message"] == message);
            conditions.Add(Condition(ConditionTypes.Failure, "True", VirtualMachineResource.InvalidSpecReason, message,
                (string?)previous?["lastTransitionTime"] ?? CrSpecWriter.Time(now)));
        }
        status["conditions"] = conditions;
        // Re-read as parsed JSON so that comparing with what the API server returns compares like with like.
        return JsonNode.Parse(status.ToJsonString())!.AsObject();
    }

    /// <summary>A merge patch that makes <paramref name="current"/> equal <paramref name="desired"/>, or null when they are equal already.</summary>
    public static JsonObject? Patch(JsonObject? current, JsonObject desired)
    {
        if (current is not null && JsonNode.DeepEquals(current, desired))
        {
            return null;
        }
        var status = desired.DeepClone().AsObject();
        if (current is not null)
        {
            foreach (var (key, _) in current)
            {
                if (!desired.ContainsKey(key))
                {
                    status[key] = null;
                }
            }
        }
        return new JsonObject { ["status"] = status };
    }

    private static JsonObject Condition(string type, string status, string reason, string message, string lastTransitionTime) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["reason"] = reason,
        ["message"] = message,
        ["lastTransitionTime"] = lastTransitionTime,
    };
}
