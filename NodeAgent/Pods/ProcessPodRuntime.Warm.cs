using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Orvirt.NodeAgent.Pods;

/// <summary>
/// The warm pool: pods whose libvirtd already runs and answers, kept in <c>&lt;pods&gt;/.warm/&lt;id&gt;</c>, so that a
/// new VM's pod is a folder rename instead of a daemon start (0.3-3 s, most of a tiny VM's create-to-Running).
/// A claimed pod is renamed to the VM's pod folder: the daemon keeps running (its bind mounts, listening socket and
/// pid file follow the rename) and its configuration is rewritten for the new folder, so a later daemon restart uses
/// the new paths. One background loop refills the pool one pod at a time; stopping the pool removes every warm pod.
/// </summary>
public sealed partial class ProcessPodRuntime
{
    private readonly ConcurrentQueue<string> _warm = new();
    private readonly SemaphoreSlim _refill = new(0);
    private CancellationTokenSource? _poolStop;
    private Task? _poolLoop;

    /// <summary>How many started pods the pool keeps ready; 0 turns it off.</summary>
    public int WarmPodTarget { get; }

    /// <summary>Warm pods ready to be claimed now.</summary>
    public int WarmPodsReady => _warm.Count;

    private string WarmRoot => Path.Combine(_root, ".warm");

    /// <summary>
    /// Removes warm pods an earlier agent run left behind, probes QEMU's capabilities once when there is no template yet
    /// (awaited: the agent registers its node after this, so no VM's pod ever waits for a probe), and starts filling the
    /// pool in the background.
    /// </summary>
    public async Task StartWarmPoolAsync(CancellationToken ct)
    {
        if (_poolLoop is not null)
        {
            return;
        }
        if (WarmPodTarget > 0)
        {
            await RemoveAllWarmPodsAsync();
        }
        await PrepareTemplateAsync(ct);
        if (WarmPodTarget == 0)
        {
            return;
        }
        _poolStop = new CancellationTokenSource();
        var stop = _poolStop.Token;
        _poolLoop = Task.Run(() => RefillLoopAsync(stop), CancellationToken.None);
    }

    /// <summary>Stops refilling and removes every warm pod (daemon and folder). VMs' pods are not touched.</summary>
    public async Task StopWarmPoolAsync()
    {
        if (_poolStop is null || _poolLoop is null)
        {
            return;
        }
        await _poolStop.CancelAsync();
        try
        {
            await _poolLoop;
        }
        catch (OperationCanceledException)
        {
            // The loop was stopped in a delay or a daemon start.
        }
        _poolStop.Dispose();
        _poolStop = null;
        _poolLoop = null;
        await RemoveAllWarmPodsAsync();
    }

    /// <summary>Renames a ready warm pod to <paramref name="dir"/>; false when none is ready (the caller starts a pod itself).</summary>
    private bool TryClaimWarmPod(string podId, string dir)
    {
        if (WarmPodTarget == 0)
        {
            return false;
        }
        try
        {
            while (_warm.TryDequeue(out var id))
            {
                var warmDir = Path.Combine(WarmRoot, id);
                if (DaemonPidIn(warmDir) is not { } pid)
                {
                    LogWarmPodDead(_logger, id);
                    _ = RemovePodFolderAsync(warmDir);
                    continue;
                }
                try
                {
                    Directory.Move(warmDir, dir);
                }
                catch (IOException e)
                {
                    LogWarmPodFailed(_logger, id, e.Message);
                    _ = RemovePodFolderAsync(warmDir);
                    continue;
                }
                WriteConfig(dir);
                LogWarmPodClaimed(_logger, podId, id, pid);
                return true;
            }
            return false;
        }
        finally
        {
            _refill.Release();
        }
    }

    private async Task RefillLoopAsync(CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            while (_warm.Count < WarmPodTarget && !stop.IsCancellationRequested)
            {
                var id = "w" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
                var warmDir = Path.Combine(WarmRoot, id);
                try
                {
                    await CreateAndStartAsync(id, warmDir, stop);
                    _warm.Enqueue(id);
                    failures = 0;
                }
                catch (Exception e) when (e is PodRuntimeException or IOException or UnauthorizedAccessException)
                {
                    LogWarmPodFailed(_logger, id, e.Message);
                    await RemovePodFolderAsync(warmDir);
                    // A node that cannot start pods is not hammered: 1 s, 2 s, ... up to 30 s between attempts.
                    failures++;
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, failures)), stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    await RemovePodFolderAsync(warmDir);
                    throw;
                }
            }
            await _refill.WaitAsync(stop);
        }
    }

    /// <summary>
    /// Without a capabilities template, starts a throwaway pod whose daemon probes QEMU and writes the template, then
    /// removes it. Every later pod, warm or not, starts from the template. A failure is logged: pods then probe themselves.
    /// </summary>
    private async Task PrepareTemplateAsync(CancellationToken ct)
    {
        lock (_templateGate)
        {
            if (Directory.Exists(TemplateDirectory))
            {
                return;
            }
        }
        var dir = Path.Combine(_root, ".probe");
        // Left by an agent that died during its probe.
        await RemovePodFolderAsync(dir);
        try
        {
            await CreateAndStartAsync("probe", dir, ct);
        }
        catch (Exception e) when (e is PodRuntimeException or IOException or UnauthorizedAccessException)
        {
            LogTemplateProbeFailed(_logger, e.Message);
        }
        finally
        {
            await RemovePodFolderAsync(dir);
        }
    }

    private async Task RemoveAllWarmPodsAsync()
    {
        while (_warm.TryDequeue(out _))
        {
        }
        if (!Directory.Exists(WarmRoot))
        {
            return;
        }
        var removed = 0;
        foreach (var warmDir in Directory.EnumerateDirectories(WarmRoot).ToList())
        {
            await RemovePodFolderAsync(warmDir);
            removed++;
        }
        if (removed > 0)
        {
            LogWarmPodsRemoved(_logger, removed);
        }
    }

    private async Task RemovePodFolderAsync(string dir)
    {
        try
        {
            if (DaemonPidIn(dir) is { } pid)
            {
                await ProcessTools.TerminateAsync(pid, TimeSpan.FromSeconds(5), CancellationToken.None);
            }
            // A warm or probe pod never runs a domain, but one must not outlive its folder if it did.
            foreach (var qemu in ProcessTools.FindByCommandLine(dir + "/"))
            {
                await ProcessTools.TerminateAsync(qemu, TimeSpan.FromSeconds(5), CancellationToken.None);
            }
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogWarmPodFailed(_logger, Path.GetFileName(dir), e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {PodId}: claimed warm pod {WarmId} (libvirtd pid {Pid} already running)")]
    private static partial void LogWarmPodClaimed(ILogger logger, string podId, string warmId, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "warm pod {WarmId}: {Problem}")]
    private static partial void LogWarmPodFailed(ILogger logger, string warmId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "warm pod {WarmId}: its libvirtd is gone; discarded")]
    private static partial void LogWarmPodDead(ILogger logger, string warmId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not probe QEMU's capabilities ahead of the first pod ({Problem}); each pod probes on its own")]
    private static partial void LogTemplateProbeFailed(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "removed {Count} warm pods")]
    private static partial void LogWarmPodsRemoved(ILogger logger, int count);
}
