namespace Orvirt.Grains;

/// <summary>
/// Serializes the state writes of a reentrant grain: interleaved requests never write concurrently (which would
/// trip the storage's etag check), and a request whose change was taken by a write already under way does not
/// write again.
/// </summary>
public sealed class CoalescingStateWriter(Func<Task> write)
{
    private Task? _inFlight;
    private bool _dirty;

    /// <summary>Writes the current state, after any write under way; returns once this caller's changes are stored.</summary>
    public async Task WriteAsync()
    {
        _dirty = true;
        while (_inFlight is { IsCompleted: false } running)
        {
            await running;
        }
        if (!_dirty)
        {
            return;
        }
        _dirty = false;
        var task = write();
        _inFlight = task;
        await task;
    }
}
