using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>Registers what the Orvirt grains need from the silo's container.</summary>
public static class GrainsServiceCollectionExtensions
{
    /// <summary>The configuration section of the validator's bounds: <c>Orvirt:Limits</c>.</summary>
    public const string LimitsSectionName = "Orvirt:Limits";

    /// <summary>
    /// Adds <see cref="VmControllerOptions"/> (bound from <c>Orvirt:Controller</c> when <paramref name="configuration"/>
    /// is given, validated at start), <see cref="ValidationLimits"/> (bound from <c>Orvirt:Limits</c>) and
    /// <see cref="TimeProvider.System"/> unless a TimeProvider is already registered.
    /// </summary>
    public static IServiceCollection AddOrvirtGrains(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var controller = services.AddOptions<VmControllerOptions>();
        var limits = services.AddOptions<ValidationLimits>();
        if (configuration is not null)
        {
            controller.Bind(configuration.GetSection(VmControllerOptions.SectionName));
            limits.Bind(configuration.GetSection(LimitsSectionName));
        }
        controller.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VmControllerOptions>, VmControllerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
