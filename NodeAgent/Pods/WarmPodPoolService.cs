using Microsoft.Extensions.Hosting;

namespace Orvirt.NodeAgent.Pods;

/// <summary>
/// Starts the warm pod pool of a <see cref="ProcessPodRuntime"/> with the agent and removes every warm pod when the
/// agent stops (VMs' pods keep running, as always). Does nothing for other runtimes or with 0 warm pods.
/// </summary>
public sealed class WarmPodPoolService(IPodRuntime runtime) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) =>
        runtime is ProcessPodRuntime process ? process.StartWarmPoolAsync(cancellationToken) : Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) =>
        runtime is ProcessPodRuntime process ? process.StopWarmPoolAsync() : Task.CompletedTask;
}
