using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Orvirt.Silo.Kubernetes;

/// <summary>Registers the CRD sync.</summary>
public static class KubernetesSyncServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="KubernetesSyncOptions"/> from <c>Orvirt:Kubernetes</c> (validated at start) and, when an API
    /// server is configured (in-cluster, a kubeconfig or a server URL), adds <see cref="KubernetesSyncService"/>.
    /// Without one it adds nothing else: the silo runs without Kubernetes.
    /// </summary>
    public static IServiceCollection AddOrvirtKubernetesSync(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(KubernetesSyncOptions.Section);
        services.AddOptions<KubernetesSyncOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesSyncOptions>, KubernetesSyncOptionsValidator>());
        var options = section.Get<KubernetesSyncOptions>() ?? new KubernetesSyncOptions();
        if (!options.IsConfigured)
        {
            return services;
        }
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<KubernetesSyncService>();
        services.AddHostedService(sp => sp.GetRequiredService<KubernetesSyncService>());
        return services;
    }
}
