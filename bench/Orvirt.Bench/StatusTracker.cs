using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Orvirt.Api.V1;

namespace Orvirt.Bench;

/// <summary>Follows the API's watch stream and records when each VM first reached each printable status or was deleted.</summary>
public sealed class StatusTracker : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, long>> _seen = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly VirtualMachines.VirtualMachinesClient _client;

    public StatusTracker(VirtualMachines.VirtualMachinesClient client)
    {
        _client = client;
        _loop = Task.Run(async () =>
        {
            using var call = client.Watch(new WatchRequest { AllNamespaces = true }, cancellationToken: _stop.Token);
            try
            {
                await foreach (var e in call.ResponseStream.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                {
                    var now = Stopwatch.GetTimestamp();
                    var key = e.Vm.Metadata.Namespace + "/" + e.Vm.Metadata.Name;
                    var states = _seen.GetOrAdd(key, _ => new());
                    states.TryAdd(e.Type == "DELETED" ? "DELETED" : e.Vm.Status.PrintableStatus, now);
                }
            }
            catch (RpcException) when (_stop.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    /// <summary>
    /// Waits until the watch delivers events: creates probe VMs (Halted, so nothing runs) until one is seen, then deletes them.
    /// A watch sends nothing before its first event, so a probe is the only proof that it is live.
    /// </summary>
    public async Task WaitLiveAsync()
    {
        var probes = new List<string>();
        try
        {
            for (var attempt = 0; attempt < 30; attempt++)
            {
                var name = $"probe-{attempt}";
                probes.Add(name);
                await _client.CreateAsync(new CreateRequest
                {
                    Namespace = "bench-probe",
                    Name = name,
                    Spec = new VirtualMachineSpec { RunStrategy = "Halted", Memory = "16Mi" },
                });
                var sw = Stopwatch.StartNew();
                while (sw.Elapsed < TimeSpan.FromSeconds(1))
                {
                    if (_seen.ContainsKey("bench-probe/" + name))
                    {
                        return;
                    }
                    await Task.Delay(10).ConfigureAwait(false);
                }
            }
            throw new TimeoutException("the watch delivered no event for 30 probe VMs; is the silo's event stream working?");
        }
        finally
        {
            foreach (var probe in probes)
            {
                await _client.DeleteAsync(new VmRef { Namespace = "bench-probe", Name = probe });
            }
        }
    }

    /// <summary>The time a VM was first seen in <paramref name="status"/>, or null.</summary>
    public long? When(string key, string status) =>
        _seen.TryGetValue(key, out var s) && s.TryGetValue(status, out var t) ? t : null;

    /// <summary>Forgets what was seen of a status, so the next change to it is recorded (e.g. Running again after unpause).</summary>
    public void Forget(string key, string status)
    {
        if (_seen.TryGetValue(key, out var s))
        {
            s.TryRemove(status, out _);
        }
    }

    /// <summary>Waits until every key has been seen in <paramref name="status"/>; throws with how many are missing at the deadline.</summary>
    public async Task WaitAllAsync(IReadOnlyCollection<string> keys, string status, TimeSpan timeout, Action<int>? progress = null)
    {
        var sw = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            var done = keys.Count(k => When(k, status) is not null);
            if (done == keys.Count)
            {
                return;
            }
            if (sw.Elapsed > timeout)
            {
                var missing = keys.Where(k => When(k, status) is null).Take(5);
                throw new TimeoutException($"{keys.Count - done} of {keys.Count} VMs did not reach {status} within {timeout.TotalSeconds:0} s (e.g. {string.Join(", ", missing)})");
            }
            if (sw.Elapsed - lastReport > TimeSpan.FromSeconds(2))
            {
                lastReport = sw.Elapsed;
                progress?.Invoke(done);
            }
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (RpcException)
        {
        }
        _stop.Dispose();
    }
}
