using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Pods;

/// <summary>
/// Pods on libvirt's built-in test driver: <c>test:///&lt;pod&gt;/node.xml</c> gives each connection private state.
/// For machines without QEMU and for scale. There is no daemon: state lives in the agent's connection.
/// </summary>
public sealed class TestPodRuntime(string podsDirectory) : IPodRuntime
{
    private const string NodeFile = "node.xml";

    /// <inheritdoc />
    public string Kind => "test";

    /// <inheritdoc />
    public HypervisorKind Hypervisor => HypervisorKind.Test;

    /// <inheritdoc />
    public Task EnsurePodAsync(string podId, CancellationToken ct)
    {
        var dir = PodDirectory(podId);
        Directory.CreateDirectory(dir);
        var node = Path.Combine(dir, NodeFile);
        if (!File.Exists(node))
        {
            File.WriteAllText(node, "<node></node>");
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public string ConnectionUri(string podId) => "test://" + Path.Combine(PodDirectory(podId), NodeFile);

    /// <inheritdoc />
    public string PodDirectory(string podId) => Path.Combine(podsDirectory, PodIds.Check(podId));

    /// <inheritdoc />
    public bool IsAlive(string podId) => File.Exists(Path.Combine(PodDirectory(podId), NodeFile));

    /// <inheritdoc />
    public Task RestartDaemonAsync(string podId, CancellationToken ct) => EnsurePodAsync(podId, ct);

    /// <inheritdoc />
    public Task RemovePodAsync(string podId, CancellationToken ct)
    {
        var dir = PodDirectory(podId);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListPods() =>
        Directory.Exists(podsDirectory)
            ? [.. Directory.EnumerateDirectories(podsDirectory).Select(Path.GetFileName).OfType<string>().Where(PodIds.IsValid).Order(StringComparer.Ordinal)]
            : [];
}
