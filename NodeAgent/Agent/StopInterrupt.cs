using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Agent;

/// <summary>
/// Ends a graceful stop early when the VM is deleted meanwhile: a guest that ignores ACPI would otherwise hold the
/// delete for the whole grace period (the VM's work item is busy waiting). Taken from <see cref="DesiredStore.InterruptOnDelete"/>;
/// dispose it when the stop is over.
/// </summary>
public sealed class StopInterrupt : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly Action<StopInterrupt> _release;

    internal StopInterrupt(VmId id, long sequence, Action<StopInterrupt> release)
    {
        Id = id;
        Sequence = sequence;
        _release = release;
    }

    /// <summary>The VM whose stop this can end.</summary>
    public VmId Id { get; }

    /// <summary>The sequence of the desired state being applied; only a newer delete ends it.</summary>
    public long Sequence { get; }

    /// <summary>Cancelled when a newer desired state deletes the VM.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>True once a delete ended the stop.</summary>
    public bool IsRequested => _source.IsCancellationRequested;

    internal void Request()
    {
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The stop ended on its own at the same moment.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _release(this);
        _source.Dispose();
    }
}
