extern alias OrvirtClient;

using System.Text.Json.Nodes;
using Google.Protobuf;
using Orvirt.Api.V1;
using Orvirt.Interfaces;
using Orvirt.Silo.Api;
using ClientManifests = OrvirtClient::Orvirt.Client.Manifests;

namespace Orvirt.Silo.Kubernetes;

/// <summary>
/// Turns a VirtualMachine CR into a <see cref="VmSpec"/> with the same converter as <c>orvirt apply -f</c>
/// (Client/Orvirt.Client/Manifests), so a field is accepted, refused or reported as unsupported the same way on
/// both paths; then the API's mapping and the one validator.
/// </summary>
internal static class CrSpecConverter
{
    /// <summary>The spec, or the problems (field and message) that keep it from being accepted.</summary>
    public static (VmSpec? Spec, List<FieldViolation> Problems) Convert(JsonObject cr, ValidationLimits limits)
    {
        var ns = (string?)cr["metadata"]?["namespace"] ?? OrvirtNames.DefaultNamespace;
        var document = cr.DeepClone().AsObject();
        document.Remove("status");
        // JSON is YAML: the manifest reader takes the object as the API server stored it.
        var converted = ClientManifests.ManifestReader.Read(document.ToJsonString(), new ClientManifests.ManifestOptions { DefaultNamespace = ns });
        if (converted.Count != 1)
        {
            return (null, [new FieldViolation("(object)", $"expected one VirtualMachine, the converter found {converted.Count}")]);
        }
        var result = converted[0];
        if (!result.IsValid)
        {
            return (null, [.. result.Problems.Select(p => new FieldViolation(p.Field, p.Message))]);
        }
        // The client's and the server's generated messages are different types of the same proto: cross by bytes.
        var request = ApplyRequest.Parser.ParseFrom(result.Request!.ToByteArray());
        var problems = new List<FieldViolation>();
        var spec = VmMapper.ToSpec(request.Spec, request.Labels, problems);
        if (problems.Count == 0)
        {
            problems.AddRange(VmValidator.ValidateSpec(spec, limits));
        }
        return problems.Count == 0 ? (spec, problems) : (null, [.. problems.Select(p => CrFieldPaths.ToCr(p, cr))]);
    }
}
