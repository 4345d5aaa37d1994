using Microsoft.Extensions.Options;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Kubernetes;

/// <summary>Checks <see cref="KubernetesSyncOptions"/> and says how to fix each failure.</summary>
public sealed class KubernetesSyncOptionsValidator : IValidateOptions<KubernetesSyncOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, KubernetesSyncOptions options)
    {
        var failures = new List<string>();
        var ways = new[] { options.InCluster, !string.IsNullOrWhiteSpace(options.Kubeconfig), !string.IsNullOrWhiteSpace(options.Server) }.Count(w => w);
        if (ways > 1)
        {
            failures.Add("Orvirt:Kubernetes: set only one of InCluster, Kubeconfig and Server (ORVIRT__KUBERNETES__INCLUSTER, __KUBECONFIG, __SERVER).");
        }
        if (!string.IsNullOrWhiteSpace(options.Server)
            && (!Uri.TryCreate(options.Server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            failures.Add($"Orvirt:Kubernetes:Server '{options.Server}' is not an http(s) URL; use e.g. http://127.0.0.1:8001.");
        }
        if (!string.IsNullOrWhiteSpace(options.Kubeconfig) && !File.Exists(options.Kubeconfig))
        {
            failures.Add($"Orvirt:Kubernetes:Kubeconfig '{options.Kubeconfig}' does not exist; point it at a kubeconfig file.");
        }
        if (!string.IsNullOrEmpty(options.Namespace) && VmValidator.Dns1123LabelError(options.Namespace) is { } nsError)
        {
            failures.Add($"Orvirt:Kubernetes:Namespace {nsError}; leave it empty to sync every namespace.");
        }
        if (VmValidator.Dns1123LabelError(options.LeaseNamespace) is { } leaseNsError)
        {
            failures.Add($"Orvirt:Kubernetes:LeaseNamespace {leaseNsError}; the default is orvirt-system.");
        }
        if (VmValidator.Dns1123LabelError(options.LeaseName) is { } leaseError)
        {
            failures.Add($"Orvirt:Kubernetes:LeaseName {leaseError}; the default is orvirt-crd-sync.");
        }
        if (options.RetryPeriod <= TimeSpan.Zero || options.RenewDeadline <= options.RetryPeriod * 1.2 || options.LeaseDuration <= options.RenewDeadline)
        {
            failures.Add($"Orvirt:Kubernetes: need LeaseDuration ({options.LeaseDuration}) > RenewDeadline ({options.RenewDeadline}) > 1.2 x RetryPeriod ({options.RetryPeriod}) > 0; the defaults are 15 s, 10 s and 2 s.");
        }
        if (options.ResyncPeriod <= TimeSpan.Zero || options.WatchTimeout < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Orvirt:Kubernetes: ResyncPeriod ({options.ResyncPeriod}) must be positive and WatchTimeout ({options.WatchTimeout}) at least 1 s; the defaults are 30 s and 5 min.");
        }
        if (options.BackoffBase <= TimeSpan.Zero || options.BackoffCap < options.BackoffBase)
        {
            failures.Add($"Orvirt:Kubernetes: need 0 < BackoffBase ({options.BackoffBase}) <= BackoffCap ({options.BackoffCap}); the defaults are 200 ms and 30 s.");
        }
        if (options.Workers is < 1 or > 64)
        {
            failures.Add($"Orvirt:Kubernetes:Workers is {options.Workers}; use 1 to 64 (default 4).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
