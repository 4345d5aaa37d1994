using System.Text.RegularExpressions;

namespace Orvirt.Interfaces;

/// <summary>Bounds the validator enforces; the silo binds them from configuration (<c>Orvirt:Limits</c>).</summary>
public sealed record ValidationLimits
{
    public const long Mi = 1L << 20;

    public long MinMemoryBytes { get; init; } = 16 * Mi;
    /// <summary>Default 1Ti.</summary>
    public long MaxMemoryBytes { get; init; } = 1L << 40;
    public int MaxVcpus { get; init; } = 512;
    public int MaxDisks { get; init; } = 16;
    public int MaxInterfaces { get; init; } = 8;
    public int MaxLabels { get; init; } = 64;
    /// <summary>Largest emptyDisk, default 1Ti.</summary>
    public long MaxDiskBytes { get; init; } = 1L << 40;
    public int MaxGracePeriodSeconds { get; init; } = 3600;

    public static readonly ValidationLimits Default = new();
}

/// <summary>The one validator for names and specs: the API, the CRD sync and the grain all call it.</summary>
public static partial class VmValidator
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Subdomain();

    private static readonly HashSet<string> DiskBuses = ["virtio", "sata", "scsi"];
    private static readonly HashSet<string> NicModels = ["virtio", "e1000"];

    /// <summary>Why <paramref name="value"/> is not a DNS-1123 label, or null when it is one.</summary>
    public static string? Dns1123LabelError(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "must not be empty; use lower-case letters, digits and '-', e.g. 'my-vm'";
        }
        if (value.Length > 63)
        {
            return $"is {value.Length} characters; a DNS-1123 label has at most 63";
        }
        if (!Dns1123Label().IsMatch(value))
        {
            return $"'{Printable(value)}' is not a DNS-1123 label: use only lower-case letters a-z, digits and '-', starting and ending with a letter or digit, e.g. 'my-vm'";
        }
        return null;
    }

    public static bool IsLabelKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 317)
        {
            return false;
        }
        var slash = key.IndexOf('/');
        var name = key;
        if (slash >= 0)
        {
            var prefix = key[..slash];
            name = key[(slash + 1)..];
            if (prefix.Length == 0 || prefix.Length > 253 || !Dns1123Subdomain().IsMatch(prefix))
            {
                return false;
            }
        }
        return name.Length is > 0 and <= 63 && QualifiedNamePart().IsMatch(name);
    }

    public static bool IsLabelValue(string value) =>
        value.Length == 0 || (value.Length <= 63 && QualifiedNamePart().IsMatch(value));

    /// <summary>Validates a VM's identity and spec; an empty list means valid.</summary>
    public static List<FieldViolation> Validate(VmId id, VmSpec spec, ValidationLimits? limits = null)
    {
        var errors = ValidateId(id);
        errors.AddRange(ValidateSpec(spec, limits));
        return errors;
    }

    public static List<FieldViolation> ValidateId(VmId id)
    {
        var errors = new List<FieldViolation>();
        if (Dns1123LabelError(id.Namespace) is { } nsError)
        {
            errors.Add(new("metadata.namespace", "namespace " + nsError));
        }
        if (Dns1123LabelError(id.Name) is { } nameError)
        {
            errors.Add(new("metadata.name", "name " + nameError));
        }
        return errors;
    }

    public static List<FieldViolation> ValidateSpec(VmSpec spec, ValidationLimits? limits = null)
    {
        limits ??= ValidationLimits.Default;
        var errors = new List<FieldViolation>();
        if (!Enum.IsDefined(spec.RunStrategy))
        {
            errors.Add(new("spec.runStrategy", $"unknown run strategy {(int)spec.RunStrategy}; use one of {string.Join(", ", Enum.GetNames<RunStrategy>())}"));
        }
        ValidateCpu(spec.Cpu, limits, errors);
        if (spec.MemoryBytes < limits.MinMemoryBytes)
        {
            errors.Add(new("spec.memory", $"{Quantity.FormatBytes(spec.MemoryBytes)} is below the minimum of {Quantity.FormatBytes(limits.MinMemoryBytes)}; ask for at least {Quantity.FormatBytes(limits.MinMemoryBytes)}, e.g. '128Mi'"));
        }
        else if (spec.MemoryBytes > limits.MaxMemoryBytes)
        {
            errors.Add(new("spec.memory", $"{Quantity.FormatBytes(spec.MemoryBytes)} is above the maximum of {Quantity.FormatBytes(limits.MaxMemoryBytes)}; ask for less or raise Orvirt:Limits:MaxMemoryBytes"));
        }
        if (spec.TerminationGracePeriodSeconds < 0 || spec.TerminationGracePeriodSeconds > limits.MaxGracePeriodSeconds)
        {
            errors.Add(new("spec.terminationGracePeriodSeconds", $"{spec.TerminationGracePeriodSeconds} is out of range; use 0 to {limits.MaxGracePeriodSeconds}"));
        }
        ValidateDisks(spec, limits, errors);
        ValidateInterfaces(spec, limits, errors);
        ValidateLabels("spec.nodeSelector", spec.NodeSelector, limits, errors);
        ValidateLabels("metadata.labels", spec.Labels, limits, errors);
        return errors;
    }

    /// <summary>Why an image path is unsafe, or null. Paths are relative to the node's image folder; the agent also refuses symlinks that leave it.</summary>
    public static string? ImagePathError(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "an image disk needs a path relative to the node's image folder, e.g. 'cirros.qcow2'";
        }
        if (path.Length > 255)
        {
            return "is longer than 255 characters";
        }
        if (path.StartsWith('/') || path.Contains('\\') || path.Any(char.IsControl))
        {
            return $"'{Printable(path)}' must be relative to the node's image folder (no leading '/', no '\\', no control characters), e.g. 'cirros.qcow2'";
        }
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return $"'{Printable(path)}' leaves or confuses the image folder ('..', '.' or empty segments are not allowed); name a file inside the image folder, e.g. 'base/cirros.qcow2'";
            }
        }
        return null;
    }

    private static void ValidateCpu(CpuTopology cpu, ValidationLimits limits, List<FieldViolation> errors)
    {
        if (cpu.Sockets < 1 || cpu.Cores < 1 || cpu.Threads < 1)
        {
            errors.Add(new("spec.cpu", $"sockets, cores and threads must each be at least 1 (got {cpu.Sockets}/{cpu.Cores}/{cpu.Threads}); e.g. --cpu 1"));
            return;
        }
        long vcpus = (long)cpu.Sockets * cpu.Cores * cpu.Threads;
        if (vcpus > limits.MaxVcpus)
        {
            errors.Add(new("spec.cpu", $"{vcpus} vCPUs is above the maximum of {limits.MaxVcpus}; ask for fewer"));
        }
    }

    private static void ValidateDisks(VmSpec spec, ValidationLimits limits, List<FieldViolation> errors)
    {
        if (spec.Disks.Length > limits.MaxDisks)
        {
            errors.Add(new("spec.disks", $"{spec.Disks.Length} disks is above the maximum of {limits.MaxDisks}"));
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Disks.Length; i++)
        {
            var d = spec.Disks[i];
            var field = $"spec.disks[{i}]";
            if (Dns1123LabelError(d.Name) is { } nameError)
            {
                errors.Add(new(field + ".name", "disk name " + nameError));
            }
            else if (!seen.Add(d.Name))
            {
                errors.Add(new(field + ".name", $"disk name '{d.Name}' is used twice; give each disk its own name"));
            }
            if (!DiskBuses.Contains(d.Bus))
            {
                errors.Add(new(field + ".bus", $"'{Printable(d.Bus)}' is not a supported bus; use virtio, sata or scsi"));
            }
            switch (d.Source)
            {
                case DiskSource.EmptyDisk:
                    if (d.SizeBytes < ValidationLimits.Mi || d.SizeBytes > limits.MaxDiskBytes)
                    {
                        errors.Add(new(field + ".capacity", $"an emptyDisk needs a capacity from 1Mi to {Quantity.FormatBytes(limits.MaxDiskBytes)}, e.g. '1Gi'"));
                    }
                    break;
                case DiskSource.Image:
                    if (ImagePathError(d.ImagePath) is { } pathError)
                    {
                        errors.Add(new(field + ".image", "image path " + pathError));
                    }
                    break;
                default:
                    errors.Add(new(field + ".source", $"unknown disk source {(int)d.Source}; use emptyDisk or image"));
                    break;
            }
        }
    }

    private static void ValidateInterfaces(VmSpec spec, ValidationLimits limits, List<FieldViolation> errors)
    {
        if (spec.Interfaces.Length > limits.MaxInterfaces)
        {
            errors.Add(new("spec.interfaces", $"{spec.Interfaces.Length} interfaces is above the maximum of {limits.MaxInterfaces}"));
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Interfaces.Length; i++)
        {
            var n = spec.Interfaces[i];
            var field = $"spec.interfaces[{i}]";
            if (Dns1123LabelError(n.Name) is { } nameError)
            {
                errors.Add(new(field + ".name", "interface name " + nameError));
            }
            else if (!seen.Add(n.Name))
            {
                errors.Add(new(field + ".name", $"interface name '{n.Name}' is used twice; give each interface its own name"));
            }
            if (!NicModels.Contains(n.Model))
            {
                errors.Add(new(field + ".model", $"'{Printable(n.Model)}' is not a supported model; use virtio or e1000"));
            }
            if (n.Binding != "user")
            {
                errors.Add(new(field + ".binding", $"'{Printable(n.Binding)}' is not supported; only 'user' networking is"));
            }
        }
    }

    private static void ValidateLabels(string field, IReadOnlyDictionary<string, string> labels, ValidationLimits limits, List<FieldViolation> errors)
    {
        if (labels.Count > limits.MaxLabels)
        {
            errors.Add(new(field, $"{labels.Count} entries is above the maximum of {limits.MaxLabels}"));
            return;
        }
        foreach (var (key, value) in labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!IsLabelKey(key))
            {
                errors.Add(new($"{field}[{Printable(key)}]", "key is not a valid label key: up to 63 of [A-Za-z0-9._-] starting and ending alphanumeric, with an optional DNS prefix and '/', e.g. 'app' or 'orvirt.io/tier'"));
            }
            else if (!IsLabelValue(value))
            {
                errors.Add(new($"{field}[{key}]", $"value '{Printable(value)}' is not a valid label value: up to 63 of [A-Za-z0-9._-] starting and ending alphanumeric"));
            }
        }
    }

    /// <summary>Shortens and escapes a user string for an error message.</summary>
    public static string Printable(string value)
    {
        var s = value.Length > 80 ? value[..80] + "…" : value;
        return string.Concat(s.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }
}
