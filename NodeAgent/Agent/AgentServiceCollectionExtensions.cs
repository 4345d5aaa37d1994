using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orvirt.NodeAgent.Domain;
using Orvirt.NodeAgent.Metrics;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Agent;

/// <summary>Registers the node agent.</summary>
public static class AgentServiceCollectionExtensions
{
    /// <summary>Adds validated <see cref="AgentOptions"/>, the pod runtime chosen by <see cref="AgentOptions.Runtime"/>, and <see cref="NodeAgentService"/>.</summary>
    public static IServiceCollection AddNodeAgent(this IServiceCollection services)
    {
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<WorkQueueMetrics>();
        services.AddSingleton<ClusterConnectionWatcher>();
        services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<ClusterConnectionWatcher>());
        services.AddSingleton<IPodRuntime>(sp => CreateRuntime(sp.GetRequiredService<IOptions<AgentOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()));
        // Before the agent service: warm pods start filling while the agent connects, and are removed after it stopped.
        services.AddHostedService<WarmPodPoolService>();
        services.AddHostedService<NodeAgentService>();
        return services;
    }

    /// <summary>The runtime for <paramref name="o"/>: <c>auto</c> picks process pods when libvirtd and QEMU are installed.</summary>
    public static IPodRuntime CreateRuntime(AgentOptions o, ILoggerFactory loggers)
    {
        var kind = o.Runtime == "auto" ? (ProcessPodsAvailable() ? "process" : "test") : o.Runtime;
        Directory.CreateDirectory(o.PodsDirectory);
        return kind == "process"
            ? new ProcessPodRuntime(o.PodsDirectory, HypervisorDetector.Detect(), o.PodStartTimeout, loggers.CreateLogger<ProcessPodRuntime>(), o.WarmPods, o.FastGuestCpuCheck)
            : new TestPodRuntime(o.PodsDirectory);
    }

    private static bool ProcessPodsAvailable() =>
        OnPath("libvirtd") && OnPath("qemu-system-x86_64") && OnPath("tini") && OnPath("unshare");

    private static bool OnPath(string file) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin"])
            .Any(dir => File.Exists(Path.Combine(dir, file)));
}
