using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Options;

/// <summary>Checks <see cref="ClusterTlsOptions"/>: all three files or none, and each one present.</summary>
public sealed class ClusterTlsOptionsValidator : IValidateOptions<ClusterTlsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ClusterTlsOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }
        var failures = new List<string>();
        foreach (var (setting, value) in new[]
        {
            ("CERTIFICATEFILE", options.CertificateFile),
            ("KEYFILE", options.KeyFile),
            ("CAFILE", options.CaFile),
        })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                failures.Add($"Orvirt:ClusterTls needs all three files but ORVIRT__CLUSTERTLS__{setting} is not set; set it too (or unset the other ORVIRT__CLUSTERTLS__* for no cluster TLS). {ClusterTlsOptions.Fix}");
            }
            else if (!File.Exists(value))
            {
                failures.Add($"ORVIRT__CLUSTERTLS__{setting} '{value}' does not exist; point it at an existing PEM file. {ClusterTlsOptions.Fix}");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
