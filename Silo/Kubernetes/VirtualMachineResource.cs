namespace Orvirt.Silo.Kubernetes;

/// <summary>Names of the VirtualMachine custom resource (manifests/crd-virtualmachines.yaml).</summary>
public static class VirtualMachineResource
{
    public const string Group = "orvirt.io";
    public const string Version = "v1alpha1";
    public const string Plural = "virtualmachines";
    public const string Kind = "VirtualMachine";
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>Keeps a CR until its VM is stopped and removed.</summary>
    public const string Finalizer = "orvirt.io/vm";

    /// <summary>The field manager named on the sync's writes.</summary>
    public const string FieldManager = "orvirt-crd-sync";

    /// <summary>Condition reason of a spec the sync cannot accept.</summary>
    public const string InvalidSpecReason = "InvalidSpec";
}
