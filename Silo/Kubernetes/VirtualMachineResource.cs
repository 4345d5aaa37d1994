namespace Orvirt.Silo.Kubernetes;

/// <summary>Names of the VirtualMachine custom resource (manifests/crd-virtualmachines.yaml).</summary>
public static class VirtualMachineResource
{
    /// <summary>API group.</summary>
    public const string Group = "orvirt.io";
    /// <summary>Served version.</summary>
    public const string Version = "v1alpha1";
    /// <summary>Plural resource name used in URLs.</summary>
    public const string Plural = "virtualmachines";
    /// <summary>Object kind.</summary>
    public const string Kind = "VirtualMachine";
    /// <summary><c>orvirt.io/v1alpha1</c>.</summary>
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>Keeps a CR until its VM is stopped and removed.</summary>
    public const string Finalizer = "orvirt.io/vm";

    /// <summary>The field manager named on the sync's writes.</summary>
    public const string FieldManager = "orvirt-crd-sync";

    /// <summary>Condition reason of a spec the sync cannot accept.</summary>
    public const string InvalidSpecReason = "InvalidSpec";
}
