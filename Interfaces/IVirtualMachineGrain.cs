namespace Orvirt.Interfaces;

/// <summary>One VM: holds its desired and actual state and alone decides whether it should run. Keyed <c>namespace/name</c>.</summary>
[Alias("orvirt.IVirtualMachineGrain")]
public interface IVirtualMachineGrain : IGrainWithStringKey
{
    /// <summary>Creates the VM; <see cref="VmResultCode.AlreadyExists"/> when it exists.</summary>
    [Alias("Create")]
    Task<VmResult> CreateAsync(VmSpec spec);

    /// <summary>Creates the VM or replaces its spec. A non-null <paramref name="expectedGeneration"/> makes it a compare-and-set.</summary>
    [Alias("Apply")]
    Task<VmResult> ApplyAsync(VmSpec spec, long? expectedGeneration);

    /// <summary>Replaces the spec when the current generation equals <paramref name="expectedGeneration"/>, else <see cref="VmResultCode.Conflict"/>.</summary>
    [Alias("Update")]
    Task<VmResult> UpdateAsync(VmSpec spec, long expectedGeneration);

    /// <summary>The VM, or <see cref="VmResultCode.NotFound"/>.</summary>
    [Alias("Get")]
    Task<VmResult> GetAsync();

    /// <summary>Stops the VM and removes it once its domain is gone.</summary>
    [Alias("Delete")]
    Task<VmResult> DeleteAsync();

    /// <summary>Asks the VM to start, as its run strategy allows.</summary>
    [Alias("Start")]
    Task<VmResult> StartAsync();

    /// <summary>Asks the VM to stop, gracefully or at once.</summary>
    [Alias("Stop")]
    Task<VmResult> StopAsync(StopOptions options);

    /// <summary>Stops the current run and starts a new one with a new instance id.</summary>
    [Alias("Restart")]
    Task<VmResult> RestartAsync();

    /// <summary>Pauses a running VM.</summary>
    [Alias("Pause")]
    Task<VmResult> PauseAsync();

    /// <summary>Resumes a paused VM.</summary>
    [Alias("Unpause")]
    Task<VmResult> UnpauseAsync();

    /// <summary>Takes what an agent observed; the answer says whether it counted and what is wanted now.</summary>
    [Alias("ReportObserved")]
    Task<ReportAck> ReportObservedAsync(VmObserved observed);

    /// <summary>The whole desired state for the agent, or null when the VM does not exist.</summary>
    /// <remarks>Always interleaves: node grains call it while the VM grain may be waiting on them (resync).</remarks>
    [Alias("GetDesired")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<VmDesired?> GetDesiredAsync();

    /// <summary>Called by the scheduler when a node appeared or freed capacity: try placing the VM again.</summary>
    [Alias("RetryScheduling")]
    Task RetrySchedulingAsync();

    /// <summary>Called by the node grain when the node was fenced: fail over or mark failed as the run strategy says.</summary>
    [Alias("NodeLost")]
    Task NodeLostAsync(string node, long epoch, string reason);

    /// <summary>
    /// Makes the VM index agree with this VM: when the VM does not exist, removes its index entry (left by a create whose
    /// silo died after the index write and before the VM's own). Returns whether the VM exists. The index calls it for each
    /// entry after it activates; running inside the VM grain, it cannot race a create or delete of the same VM.
    /// </summary>
    [Alias("ReconcileIndexEntry")]
    Task<bool> ReconcileIndexEntryAsync();

    /// <summary>Desired and actual side by side, for the dashboard's grain-state view.</summary>
    [Alias("GetState")]
    Task<VirtualMachineView> GetStateAsync();

    /// <summary>
    /// The same as <see cref="GetStateAsync"/>. The Orleans dashboard's grain-state view (Grain Details) calls only a
    /// parameterless method named exactly <c>GetState</c> (or one returning the grain's persisted state type), so this
    /// name makes it show a VM's desired and actual state. Implemented here, so grains need not implement it.
    /// </summary>
    [Alias("GetStateForDashboard")]
    Task<VirtualMachineView> GetState() => GetStateAsync();
}

/// <summary>Desired and actual state side by side, as the dashboard shows a VM grain.</summary>
[GenerateSerializer, Immutable, Alias("orvirt.VirtualMachineView")]
public sealed record VirtualMachineView
{
    [Id(0)] public VmSnapshot? Vm { get; init; }
    [Id(1)] public VmDesired? Desired { get; init; }
    [Id(2)] public VmObserved? LastObserved { get; init; }
}
