using Microsoft.Extensions.Logging.Abstractions;
using Orvirt.NodeAgent.Domain;
using Orvirt.NodeAgent.Pods;

namespace Orvirt.NodeAgent.Tests.Pods;

/// <summary>A short temporary pods root with a process pod runtime; on dispose removes every pod (daemons and QEMU, by pid) and the folder, then checks nothing it started is left.</summary>
public sealed class ProcessPodFixture : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("ov-").FullName;

    public string Images => Path.Combine(Root, "images");

    public ProcessPodRuntime Runtime { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Images);
        Runtime = new ProcessPodRuntime(Root, HypervisorDetector.Detect(), TimeSpan.FromSeconds(60), NullLogger<ProcessPodRuntime>.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var pod in Runtime.ListPods())
        {
            await Runtime.RemovePodAsync(pod, CancellationToken.None);
        }
        // Anything still running with our root in its command line (daemon launchers, QEMU) is ours: end it by pid.
        foreach (var pid in ProcessTools.FindByCommandLine(Root + "/"))
        {
            await ProcessTools.TerminateAsync(pid, TimeSpan.FromSeconds(2), CancellationToken.None);
        }
        var left = ProcessTools.FindByCommandLine(Root + "/");
        Directory.Delete(Root, recursive: true);
        Assert.True(left.Count == 0, $"processes left behind under {Root}: {string.Join(", ", left)}");
    }
}
