using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Streams;
using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>
/// One VM, keyed <c>namespace/name</c>: holds desired and actual state, decides through <see cref="VmDecision"/>
/// whether it should run, asks the directory for a node, publishes the whole desired state to the node's stream
/// and status changes to the VM event stream. State is persisted before anything is published.
/// </summary>
public sealed partial class VirtualMachineGrain(
    [PersistentState("vm", OrvirtNames.GrainStorage)] IPersistentState<VirtualMachineState> state,
    IOptions<VmControllerOptions> options,
    IOptions<ValidationLimits> limits,
    TimeProvider time,
    ILogger<VirtualMachineGrain> logger) : Grain, IVirtualMachineGrain
{
    /// <summary>The Failure condition's reason when the VM's node was fenced.</summary>
    public const string ReasonNodeUnresponsive = "NodeUnresponsive";
    private const int MaxDecisionSteps = 8;
    private readonly VmControllerOptions _options = options.Value;
    private VmId _id;
    private IGrainTimer? _backoffTimer;
    private (string Node, VmDesired Desired)? _leftBehind;

    private VirtualMachineState S => state.State;

    private DateTimeOffset Now => time.GetUtcNow();

    private bool RunActive => S.InstanceId.Length > 0 && S.Status.Phase is not (VmPhase.Succeeded or VmPhase.Failed);

    private bool StartPending => S.Requests.Any(r => r.Action == StateChangeAction.Start);

    private bool StopPending => S.Requests.Any(r => r.Action == StateChangeAction.Stop && r.InstanceId == S.InstanceId);

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = VmId.Parse(this.GetPrimaryKeyString());
        if (S.Exists && S.Backoff is not null && S.Status.Phase == VmPhase.Failed)
        {
            ArmBackoffTimer();
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<VmResult> CreateAsync(VmSpec spec)
    {
        if (S.Exists)
        {
            return VmResult.Fail(VmResultCode.AlreadyExists, S.DeletionRequestedAt is null
                ? $"VM {_id} already exists (uid {S.Uid}); use apply or update to change it"
                : $"VM {_id} is being deleted; create it again once it is gone", Snapshot());
        }
        var errors = VmValidator.Validate(_id, spec, limits.Value);
        if (errors.Count > 0)
        {
            return VmResult.Invalid(errors);
        }
        var now = Now;
        state.State = new VirtualMachineState
        {
            Exists = true,
            Uid = Guid.NewGuid().ToString(),
            Spec = spec,
            Generation = 1,
            CreatedAt = now,
            // Sequences keep rising across a delete and a create under the same name.
            Sequence = now.ToUnixTimeMilliseconds(),
            Status = new VmStatus { DesiredGeneration = 1 },
        };
        LogCreated(_id.Namespace, _id.Name, S.Uid, spec.RunStrategy);
        await Index.UpsertAsync(IndexEntry());
        await ReconcileAsync(desiredChanged: false, changed: true, VmEventType.Added);
        return VmResult.Ok(Snapshot(), "created");
    }

    /// <inheritdoc />
    public Task<VmResult> ApplyAsync(VmSpec spec, long? expectedGeneration)
    {
        if (!S.Exists)
        {
            return expectedGeneration is { } expected and not 0
                ? Task.FromResult(VmResult.Fail(VmResultCode.NotFound, $"VM {_id} does not exist, so it cannot be at generation {expected}; apply without an expected generation to create it"))
                : CreateAsync(spec);
        }
        return ChangeSpecAsync(spec, expectedGeneration);
    }

    /// <inheritdoc />
    public Task<VmResult> UpdateAsync(VmSpec spec, long expectedGeneration) => ChangeSpecAsync(spec, expectedGeneration);

    /// <inheritdoc />
    public Task<VmResult> GetAsync() =>
        Task.FromResult(S.Exists ? VmResult.Ok(Snapshot()) : NotFound());

    /// <inheritdoc />
    public async Task<VmResult> DeleteAsync()
    {
        if (!S.Exists)
        {
            return NotFound();
        }
        if (S.DeletionRequestedAt is null)
        {
            S.DeletionRequestedAt = Now;
            LogDeleteRequested(_id.Namespace, _id.Name, S.Node ?? "");
        }
        var last = Snapshot();
        await ReconcileAsync(desiredChanged: false, changed: true);
        return S.Exists
            ? VmResult.Ok(Snapshot(), "deletion requested; the VM goes once its domain is removed")
            : VmResult.Ok(last with { Status = last.Status with { PrintableStatus = PrintableStatus.Terminating } }, "deleted");
    }

    /// <inheritdoc />
    public async Task<VmResult> StartAsync()
    {
        if (Unchangeable() is { } refusal)
        {
            return refusal;
        }
        var outcome = VmRequestRules.Start(S.Spec.RunStrategy, RunActive, S.Status.Phase, StartPending, StopPending);
        return await ApplyRequestAsync(outcome, "start", stop: null);
    }

    /// <inheritdoc />
    public async Task<VmResult> StopAsync(StopOptions options)
    {
        if (Unchangeable() is { } refusal)
        {
            return refusal;
        }
        if (options.GracePeriodSeconds is { } grace && (grace < 0 || grace > limits.Value.MaxGracePeriodSeconds))
        {
            return VmResult.Invalid([new FieldViolation("gracePeriodSeconds",
                $"{grace} is out of range; use 0 to {limits.Value.MaxGracePeriodSeconds} seconds, or force to destroy at once")]);
        }
        var outcome = VmRequestRules.Stop(S.Spec.RunStrategy, RunActive, StopPending, options.GracePeriodSeconds is not null || options.Force);
        return await ApplyRequestAsync(outcome, "stop", options);
    }

    /// <inheritdoc />
    public async Task<VmResult> RestartAsync()
    {
        if (Unchangeable() is { } refusal)
        {
            return refusal;
        }
        var outcome = VmRequestRules.Restart(S.Spec.RunStrategy, RunActive, StartPending, StopPending, RunNotUpYet());
        return await ApplyRequestAsync(outcome, "restart", stop: null);
    }

    /// <inheritdoc />
    public async Task<VmResult> PauseAsync()
    {
        if (Unchangeable() is { } refusal)
        {
            return refusal;
        }
        if (S.PauseRequested && RunActive)
        {
            return VmResult.Ok(Snapshot(), "pause already requested");
        }
        if (!RunActive || S.Status.Phase != VmPhase.Running || S.Status.DomainState != DomainState.Running)
        {
            return VmResult.Fail(VmResultCode.Refused, $"VM {_id} is not running (status {S.Status.PrintableStatus}); only a running VM can be paused", Snapshot());
        }
        S.PauseRequested = true;
        await ReconcileAsync(desiredChanged: false, changed: true);
        return VmResult.Ok(Snapshot(), "pause requested");
    }

    /// <inheritdoc />
    public async Task<VmResult> UnpauseAsync()
    {
        if (Unchangeable() is { } refusal)
        {
            return refusal;
        }
        if (!RunActive || (!S.PauseRequested && S.Status.DomainState != DomainState.Paused))
        {
            return VmResult.Fail(VmResultCode.Refused, $"VM {_id} is not paused (status {S.Status.PrintableStatus}); only a paused VM can be unpaused", Snapshot());
        }
        if (!S.PauseRequested)
        {
            return VmResult.Ok(Snapshot(), "unpause already requested");
        }
        S.PauseRequested = false;
        await ReconcileAsync(desiredChanged: false, changed: true);
        return VmResult.Ok(Snapshot(), "unpause requested");
    }

    /// <inheritdoc />
    public async Task<ReportAck> ReportObservedAsync(VmObserved observed)
    {
        if (!S.Exists)
        {
            return new ReportAck { Accepted = false, Reason = $"VM {_id} does not exist; remove its domain" };
        }
        if (RejectReason(observed) is { } reason)
        {
            LogReportIgnored(_id.Namespace, _id.Name, reason);
            // A node the VM is not assigned to (any more) gets nothing to make true: it destroys what it has.
            var assignedThere = S.Node is not null && S.Node == observed.Node;
            return new ReportAck { Accepted = false, Reason = reason, Desired = assignedThere ? Desired() : null };
        }
        var now = Now;
        S.LastObserved = observed;
        S.Status = S.Status with
        {
            DomainState = observed.State,
            Hypervisor = observed.Hypervisor,
            ObservedGeneration = Math.Max(S.Status.ObservedGeneration, observed.ObservedGeneration),
            LastReportAt = now,
        };
        var desiredChanged = false;
        if (RunActive)
        {
            switch (observed.State)
            {
                case DomainState.Starting:
                    SetPhase(VmPhase.Scheduled);
                    break;
                case DomainState.Running or DomainState.Paused or DomainState.ShuttingDown:
                    SetPhase(VmPhase.Running);
                    S.RunningSince ??= now;
                    if (observed.State == DomainState.Running)
                    {
                        RemoveCondition(ConditionTypes.Failure);
                    }
                    break;
                case DomainState.Shutoff:
                    desiredChanged = EndRun(failed: false, Nonempty(observed.Reason, "Stopped"), observed.Message);
                    break;
                case DomainState.Crashed:
                    desiredChanged = EndRun(failed: S.Power is DesiredPower.Running or DesiredPower.Paused, Nonempty(observed.Reason, "Crashed"),
                        Nonempty(observed.Message, "the domain ended abnormally"));
                    break;
                case DomainState.Absent when S.Status.Phase == VmPhase.Running:
                    var asked = S.Power is DesiredPower.Stopped or DesiredPower.Absent;
                    desiredChanged = EndRun(failed: !asked, asked ? "Stopped" : "DomainLost",
                        asked ? "" : $"node {S.Node} reports no domain for the running instance {S.InstanceId}");
                    break;
            }
        }
        await ReconcileAsync(desiredChanged, changed: false);
        return new ReportAck { Accepted = true, Desired = Desired() };
    }

    /// <inheritdoc />
    public Task<VmDesired?> GetDesiredAsync() => Task.FromResult(Desired());

    /// <inheritdoc />
    public async Task RetrySchedulingAsync()
    {
        if (!S.Exists)
        {
            await Directory.StopWaitingAsync(_id);
            return;
        }
        await ReconcileAsync(desiredChanged: false, changed: false);
    }

    /// <inheritdoc />
    public async Task NodeLostAsync(string node, long epoch, string reason)
    {
        if (!S.Exists || S.Node != node || epoch < S.Epoch)
        {
            // Not (or no longer) on that node, or placed there again after the loss: nothing to do.
            return;
        }
        LogNodeLost(_id.Namespace, _id.Name, node, reason);
        // The old node's agent, should it come back, removes what it still has of this run.
        _leftBehind = (node, Desired()! with { Power = DesiredPower.Absent });
        await NodeGrain(node).ReleaseAsync(_id);
        S.Node = null;
        S.Epoch = 0;
        S.Status = S.Status with { DomainState = DomainState.Absent };
        if (RunActive && S.DeletionRequestedAt is null)
        {
            var message = $"node {node} stopped responding ({reason})";
            if (S.Power is DesiredPower.Stopped or DesiredPower.Absent)
            {
                // The run was being stopped anyway: it ended.
                SetPhase(VmPhase.Succeeded);
                S.Requests.RemoveAll(r => r.Action == StateChangeAction.Stop);
                S.PauseRequested = false;
            }
            else if (S.Spec.RunStrategy is RunStrategy.Always or RunStrategy.RerunOnFailure)
            {
                SetCondition(ConditionTypes.Failure, ConditionStatus.True, ReasonNodeUnresponsive, message + "; restarting the VM on another node");
                BeginRun();
            }
            else
            {
                SetPhase(VmPhase.Failed);
                S.Power = DesiredPower.Stopped;
                S.Requests.Clear();
                S.PauseRequested = false;
                S.RunningSince = null;
                SetCondition(ConditionTypes.Failure, ConditionStatus.True, ReasonNodeUnresponsive, message + "; start the VM again to run it elsewhere");
            }
        }
        await ReconcileAsync(desiredChanged: true, changed: true);
    }

    /// <inheritdoc />
    public async Task<bool> ReconcileIndexEntryAsync()
    {
        if (S.Exists)
        {
            return true;
        }
        LogIndexEntryWithoutVm(_id.Namespace, _id.Name);
        await Index.RemoveAsync(_id);
        return false;
    }

    /// <inheritdoc />
    public Task<VirtualMachineView> GetStateAsync() => Task.FromResult(new VirtualMachineView
    {
        Vm = S.Exists ? Snapshot() : null,
        Desired = Desired(),
        LastObserved = S.LastObserved,
    });

    private async Task<VmResult> ChangeSpecAsync(VmSpec spec, long? expectedGeneration)
    {
        if (Unchangeable() is { } refusal)
        {
            return refusal;
        }
        if (expectedGeneration is { } expected && expected != S.Generation)
        {
            return VmResult.Fail(VmResultCode.Conflict,
                $"VM {_id} is at generation {S.Generation}, not the expected {expected}; get it again and reapply your change", Snapshot());
        }
        var errors = VmValidator.Validate(_id, spec, limits.Value);
        if (errors.Count > 0)
        {
            return VmResult.Invalid(errors);
        }
        var machineChanged = !S.Spec.SameMachineAs(spec);
        var labelsChanged = !SameLabels(S.Spec.Labels, spec.Labels);
        if (!machineChanged && !labelsChanged)
        {
            return VmResult.Ok(Snapshot(), "unchanged");
        }
        S.Spec = spec;
        if (machineChanged)
        {
            S.Generation++;
            LogSpecChanged(_id.Namespace, _id.Name, S.Generation);
        }
        if (labelsChanged)
        {
            await Index.UpsertAsync(IndexEntry());
        }
        await ReconcileAsync(desiredChanged: machineChanged, changed: true);
        return VmResult.Ok(Snapshot(), machineChanged ? $"updated to generation {S.Generation}" : "labels updated");
    }

    private async Task<VmResult> ApplyRequestAsync(VmRequestOutcome outcome, string verb, StopOptions? stop)
    {
        if (outcome.RefusedBecause is { } message)
        {
            LogRequestRefused(_id.Namespace, _id.Name, verb, message);
            return VmResult.Fail(VmResultCode.Refused, message, Snapshot());
        }
        var desiredChanged = false;
        var changed = false;
        if (stop is not null)
        {
            var grace = stop.GracePeriodSeconds ?? S.Spec.TerminationGracePeriodSeconds;
            changed = grace != S.StopGracePeriodSeconds || stop.Force != S.ForceStop;
            desiredChanged = changed && RunActive && S.Power is DesiredPower.Stopped or DesiredPower.Absent;
            S.StopGracePeriodSeconds = grace;
            S.ForceStop = stop.Force;
        }
        if (outcome.NewRunStrategy is { } strategy && strategy != S.Spec.RunStrategy)
        {
            S.Spec = S.Spec with { RunStrategy = strategy };
            S.Generation++;
            desiredChanged = true;
            LogSpecChanged(_id.Namespace, _id.Name, S.Generation);
        }
        foreach (var action in outcome.AddRequests)
        {
            var pending = action == StateChangeAction.Start ? StartPending : StopPending;
            if (!pending)
            {
                S.Requests.Add(new StateChangeRequest
                {
                    Action = action,
                    InstanceId = action == StateChangeAction.Stop ? S.InstanceId : "",
                    GracePeriodSeconds = stop?.GracePeriodSeconds,
                    Force = stop?.Force ?? false,
                    RequestedAt = Now,
                });
                changed = true;
            }
        }
        if (!changed && !desiredChanged)
        {
            return VmResult.Ok(Snapshot(), $"{verb} already requested");
        }
        await ReconcileAsync(desiredChanged, changed: true);
        return VmResult.Ok(Snapshot(), $"{verb} requested");
    }

    /// <summary>Decides and acts until nothing is left to do, then persists and publishes.</summary>
    private async Task ReconcileAsync(bool desiredChanged, bool changed, VmEventType eventType = VmEventType.Modified)
    {
        var statusBefore = S.Status;
        for (var step = 0; step < MaxDecisionSteps; step++)
        {
            var decision = VmDecision.Decide(DecisionInput());
            if (decision.Action != VmAction.None)
            {
                LogDecision(_id.Namespace, _id.Name, decision.Action, decision.PrintableStatus);
            }
            if (decision.Action == VmAction.Remove)
            {
                await RemoveAsync();
                return;
            }
            if (!await ExecuteAsync(decision.Action))
            {
                break;
            }
            desiredChanged = true;
        }
        UpdateStatus(VmDecision.Decide(DecisionInput()));
        changed |= desiredChanged || !SameStatus(statusBefore, S.Status);
        if (!changed)
        {
            return;
        }
        S.ResourceVersion++;
        if (desiredChanged)
        {
            S.Sequence++;
        }
        await state.WriteStateAsync();
        // Stored: the messages go out together (separate streams, so no order between them is lost) and the
        // request returns once every one is queued.
        var publishes = new List<Task>(3);
        if (_leftBehind is { } left)
        {
            _leftBehind = null;
            if (left.Node != S.Node)
            {
                // The run moved: the old node's agent removes what it still has of the previous run.
                publishes.Add(NodeStream(left.Node).OnNextAsync(left.Desired with { Sequence = S.Sequence }));
            }
        }
        if (desiredChanged && S.Node is { } node)
        {
            publishes.Add(NodeStream(node).OnNextAsync(Desired()!));
        }
        publishes.Add(PublishEventAsync(eventType, Snapshot()));
        await Task.WhenAll(publishes);
    }

    /// <summary>Performs one action; false when it could not make progress (wait for the agent, the backoff or a node).</summary>
    private async Task<bool> ExecuteAsync(VmAction action)
    {
        switch (action)
        {
            case VmAction.StartInstance or VmAction.Restart:
                await ReleaseStaleReservationAsync();
                BeginRun();
                return true;
            case VmAction.Schedule:
                return await TryScheduleAsync();
            case VmAction.StopInstance:
                await StopRunAsync();
                return true;
            case VmAction.Pause:
                S.Power = DesiredPower.Paused;
                return true;
            case VmAction.Unpause:
                S.Power = DesiredPower.Running;
                return true;
            case VmAction.WaitBackoff:
                ArmBackoffTimer();
                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// A new run whose CPU, memory or nodeSelector differ from what its node reserved gives the reservation back,
    /// so that the scheduler places it again with the new needs.
    /// </summary>
    private async Task ReleaseStaleReservationAsync()
    {
        if (S.Node is not { } node || S.RunSpec is not { } previous
            || (previous.Cpu.Vcpus == S.Spec.Cpu.Vcpus && previous.MemoryBytes == S.Spec.MemoryBytes && SameLabels(previous.NodeSelector, S.Spec.NodeSelector)))
        {
            return;
        }
        _leftBehind = (node, Desired()! with { Power = DesiredPower.Absent });
        await NodeGrain(node).ReleaseAsync(_id);
        S.Node = null;
        S.Epoch = 0;
    }

    private void BeginRun()
    {
        var previous = S.InstanceId;
        S.InstanceId = Guid.NewGuid().ToString("N");
        if (previous.Length > 0)
        {
            S.Status = S.Status with { RestartCount = S.Status.RestartCount + 1 };
        }
        S.Requests.Clear();
        S.PauseRequested = false;
        S.Power = DesiredPower.Running;
        S.ForceStop = false;
        S.StopGracePeriodSeconds = S.Spec.TerminationGracePeriodSeconds;
        S.RunSpec = S.Spec;
        S.RunningSince = null;
        S.Status = S.Status with { DomainState = S.Node is null ? DomainState.Absent : DomainState.Starting };
        SetPhase(S.Node is null ? VmPhase.Pending : VmPhase.Scheduled);
        LogRunBegun(_id.Namespace, _id.Name, S.InstanceId, previous);
    }

    private async Task<bool> TryScheduleAsync()
    {
        var need = new NodeResources { Vcpus = S.Spec.Cpu.Vcpus, MemoryBytes = S.Spec.MemoryBytes };
        var result = await Directory.ScheduleAsync(_id, need, S.Spec.NodeSelector);
        if (result.Node is null)
        {
            if (S.UnschedulableReason != result.Reason)
            {
                LogUnschedulable(_id.Namespace, _id.Name, result.Reason);
            }
            S.UnschedulableReason = result.Reason;
            return false;
        }
        S.Node = result.Node;
        S.Epoch = result.Epoch;
        S.UnschedulableReason = null;
        S.Status = S.Status with { DomainState = DomainState.Starting };
        SetPhase(VmPhase.Scheduled);
        LogScheduled(_id.Namespace, _id.Name, result.Node, result.Epoch);
        return true;
    }

    private async Task StopRunAsync()
    {
        S.Power = S.DeletionRequestedAt is null ? DesiredPower.Stopped : DesiredPower.Absent;
        if (S.Node is null && RunActive)
        {
            // Nothing runs anywhere yet: the run ends here.
            SetPhase(VmPhase.Succeeded);
            S.Requests.RemoveAll(r => r.Action == StateChangeAction.Stop);
            S.UnschedulableReason = null;
            await Directory.StopWaitingAsync(_id);
        }
    }

    /// <summary>Records the end of the current run; true when the desired state changed.</summary>
    private bool EndRun(bool failed, string reason, string message)
    {
        var now = Now;
        SetPhase(failed ? VmPhase.Failed : VmPhase.Succeeded);
        S.Requests.RemoveAll(r => r.Action == StateChangeAction.Stop);
        S.PauseRequested = false;
        var ranLongEnough = S.RunningSince is { } since && now - since >= _options.BackoffResetAfter;
        S.RunningSince = null;
        if (failed)
        {
            var failures = S.Backoff is { } previous && !ranLongEnough ? previous.ConsecutiveFailures + 1 : 1;
            var delay = BackoffDelay(failures);
            S.Backoff = new StartFailure { ConsecutiveFailures = failures, LastFailureAt = now, RetryAfter = now + delay, Reason = reason };
            SetCondition(ConditionTypes.Failure, ConditionStatus.True, reason, message);
            LogRunFailed(_id.Namespace, _id.Name, S.InstanceId, reason, failures, delay);
        }
        else if (ranLongEnough)
        {
            S.Backoff = null;
        }
        if (S.Power is DesiredPower.Running or DesiredPower.Paused)
        {
            S.Power = DesiredPower.Stopped;
            return true;
        }
        return false;
    }

    private TimeSpan BackoffDelay(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 30));
        var ticks = Math.Min(_options.BackoffCap.Ticks, _options.BackoffBase.Ticks * factor);
        return TimeSpan.FromTicks((long)ticks);
    }

    private void ArmBackoffTimer()
    {
        _backoffTimer?.Dispose();
        _backoffTimer = null;
        if (S.Backoff is not { } backoff)
        {
            return;
        }
        var due = backoff.RetryAfter - Now;
        _backoffTimer = this.RegisterGrainTimer(OnBackoffElapsedAsync, new GrainTimerCreationOptions
        {
            DueTime = due > TimeSpan.Zero ? due : TimeSpan.Zero,
            Period = Timeout.InfiniteTimeSpan,
            Interleave = false,
            KeepAlive = true,
        });
    }

    private async Task OnBackoffElapsedAsync(CancellationToken cancellationToken)
    {
        _backoffTimer?.Dispose();
        _backoffTimer = null;
        if (S.Exists)
        {
            await ReconcileAsync(desiredChanged: false, changed: false);
        }
    }

    private async Task RemoveAsync()
    {
        var last = Snapshot();
        // Independent of one another, so they run together; the state is cleared only once all of them are done, so
        // that a crash in between leaves the VM to be removed again (each step is idempotent), never a leaked reservation.
        var steps = new List<Task>(3) { Index.RemoveAsync(_id) };
        if (S.Node is { } node)
        {
            // A placed VM is no longer among the directory's waiting VMs: the placement removed it.
            steps.Add(NodeGrain(node).ReleaseAsync(_id));
        }
        else
        {
            steps.Add(Directory.StopWaitingAsync(_id));
        }
        if (_leftBehind is { } left)
        {
            // Deleted while its node was lost: that node's agent removes the run should it come back.
            _leftBehind = null;
            steps.Add(NodeStream(left.Node).OnNextAsync(left.Desired with { Sequence = S.Sequence + 1 }));
        }
        await Task.WhenAll(steps);
        _backoffTimer?.Dispose();
        _backoffTimer = null;
        await state.ClearStateAsync();
        state.State = new VirtualMachineState();
        LogRemoved(_id.Namespace, _id.Name, last.Uid);
        await PublishEventAsync(VmEventType.Deleted, last with
        {
            ResourceVersion = last.ResourceVersion + 1,
            Status = last.Status with { PrintableStatus = PrintableStatus.Terminating },
        });
    }

    private void UpdateStatus(VmDecisionResult decision)
    {
        if (S.RunningSince is { } since && Now - since >= _options.BackoffResetAfter)
        {
            S.Backoff = null;
        }
        var printable = decision.PrintableStatus;
        SetCondition(ConditionTypes.Ready, printable == PrintableStatus.Running ? ConditionStatus.True : ConditionStatus.False,
            printable == PrintableStatus.Running ? "Running" : printable.ToString(),
            printable == PrintableStatus.Running ? "the domain is running" : $"the VM is {printable}");
        if (printable == PrintableStatus.Paused)
        {
            SetCondition(ConditionTypes.Paused, ConditionStatus.True, "PausedByUser", "the VM was paused by a user request");
        }
        else
        {
            RemoveCondition(ConditionTypes.Paused);
        }
        if (RunActive && S.RunSpec is { } runSpec && !runSpec.SameHardwareAs(S.Spec))
        {
            SetCondition(ConditionTypes.RestartRequired, ConditionStatus.True, "HardwareChanged",
                $"generation {S.Generation} changes the machine's hardware; restart the VM to apply it");
        }
        else
        {
            RemoveCondition(ConditionTypes.RestartRequired);
        }
        if (printable == PrintableStatus.ErrorUnschedulable && S.UnschedulableReason is { } why)
        {
            SetCondition(ConditionTypes.Failure, ConditionStatus.True, "Unschedulable", why);
        }
        else if (S.Status.Condition(ConditionTypes.Failure)?.Reason == "Unschedulable")
        {
            RemoveCondition(ConditionTypes.Failure);
        }
        S.Status = S.Status with
        {
            PrintableStatus = printable,
            Node = S.Node,
            DesiredGeneration = S.Generation,
            InstanceId = S.InstanceId,
            StartFailure = S.Backoff,
        };
    }

    private void SetPhase(VmPhase phase)
    {
        if (S.Status.Phase == phase)
        {
            return;
        }
        var transitions = S.Status.PhaseTransitions.Add(new PhaseTransition { Phase = phase, At = Now });
        if (transitions.Length > _options.MaxPhaseTransitions)
        {
            transitions = transitions.RemoveRange(0, transitions.Length - _options.MaxPhaseTransitions);
        }
        S.Status = S.Status with { Phase = phase, PhaseTransitions = transitions };
    }

    private void SetCondition(string type, ConditionStatus status, string reason, string message)
    {
        var existing = S.Status.Condition(type);
        if (existing is not null && existing.Status == status && existing.Reason == reason && existing.Message == message)
        {
            return;
        }
        var condition = new VmCondition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            LastTransitionTime = existing is not null && existing.Status == status ? existing.LastTransitionTime : Now,
        };
        var conditions = existing is null ? S.Status.Conditions.Add(condition) : S.Status.Conditions.Replace(existing, condition);
        S.Status = S.Status with { Conditions = conditions };
    }

    private void RemoveCondition(string type)
    {
        if (S.Status.Condition(type) is { } existing)
        {
            S.Status = S.Status with { Conditions = S.Status.Conditions.Remove(existing) };
        }
    }

    private string? RejectReason(VmObserved observed)
    {
        if (observed.Uid != S.Uid)
        {
            return $"report for uid {observed.Uid} but VM {_id} has uid {S.Uid} (it was deleted and created again)";
        }
        if (S.Node is null || observed.Node != S.Node)
        {
            return $"report from node {observed.Node} but VM {_id} is assigned to {(S.Node is null ? "no node" : "node " + S.Node)}";
        }
        if (observed.Epoch < S.Epoch)
        {
            return $"report carries epoch {observed.Epoch}, older than the assignment's epoch {S.Epoch}";
        }
        if (observed.InstanceId != S.InstanceId && !(observed.State == DomainState.Absent && observed.InstanceId.Length == 0))
        {
            return $"report for instance {observed.InstanceId} but the current instance is {S.InstanceId}";
        }
        return null;
    }

    /// <summary>The current run has not been reported running yet and already has the current spec: a restart would change nothing.</summary>
    private bool RunNotUpYet() =>
        RunActive && S.Status.Phase is VmPhase.Pending or VmPhase.Scheduled && S.RunSpec is { } runSpec && runSpec.SameHardwareAs(S.Spec);

    private VmResult? Unchangeable()
    {
        if (!S.Exists)
        {
            return NotFound();
        }
        return S.DeletionRequestedAt is null
            ? null
            : VmResult.Fail(VmResultCode.Refused, $"VM {_id} is being deleted; it cannot be changed", Snapshot());
    }

    private VmResult NotFound() =>
        VmResult.Fail(VmResultCode.NotFound, $"VM {_id} does not exist; create it first");

    private VmDecisionInput DecisionInput() => new()
    {
        RunStrategy = S.Spec.RunStrategy,
        DeletionRequested = S.DeletionRequestedAt is not null,
        HasInstance = S.InstanceId.Length > 0,
        Phase = S.Status.Phase,
        Observed = S.Status.DomainState,
        Power = S.Power,
        NodeAssigned = S.Node is not null,
        Unschedulable = S.UnschedulableReason is not null,
        StartRequested = StartPending,
        StopRequested = StopPending,
        PauseRequested = S.PauseRequested,
        RetryAfter = S.Backoff?.RetryAfter,
        Now = Now,
    };

    private VmSnapshot Snapshot() => new()
    {
        Namespace = _id.Namespace,
        Name = _id.Name,
        Uid = S.Uid,
        Generation = S.Generation,
        CreatedAt = S.CreatedAt,
        DeletionRequestedAt = S.DeletionRequestedAt,
        Spec = S.Spec,
        Status = S.Status,
        ResourceVersion = S.ResourceVersion,
    };

    private VmDesired? Desired() => !S.Exists ? null : new VmDesired
    {
        Namespace = _id.Namespace,
        Name = _id.Name,
        Uid = S.Uid,
        InstanceId = S.InstanceId,
        Spec = S.Spec,
        Generation = S.Generation,
        Sequence = S.Sequence,
        Power = S.Power,
        Node = S.Node ?? "",
        Epoch = S.Epoch,
        StopGracePeriodSeconds = S.StopGracePeriodSeconds,
        ForceStop = S.ForceStop,
    };

    private VmIndexEntry IndexEntry() => new() { Namespace = _id.Namespace, Name = _id.Name, Labels = S.Spec.Labels };

    private Task PublishEventAsync(VmEventType type, VmSnapshot vm) =>
        this.GetStreamProvider(OrvirtNames.StreamProvider)
            .GetStream<VmEvent>(StreamId.Create(OrvirtNames.VmEventStreamNamespace, OrvirtNames.VmEventStreamKey))
            .OnNextAsync(new VmEvent { Type = type, Vm = vm });

    private IAsyncStream<VmDesired> NodeStream(string node) =>
        this.GetStreamProvider(OrvirtNames.StreamProvider).GetStream<VmDesired>(StreamId.Create(OrvirtNames.NodeStreamNamespace, node));

    private INodeDirectoryGrain Directory => GrainFactory.GetGrain<INodeDirectoryGrain>(GrainKeys.NodeDirectory);

    private IVmIndexGrain Index => GrainFactory.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex);

    private INodeGrain NodeGrain(string node) => GrainFactory.GetGrain<INodeGrain>(node);

    private static string Nonempty(string value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;

    private static bool SameLabels(ImmutableDictionary<string, string> a, ImmutableDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static bool SameStatus(VmStatus a, VmStatus b) =>
        a.Conditions.SequenceEqual(b.Conditions)
        && a.PhaseTransitions.SequenceEqual(b.PhaseTransitions)
        && a with { Conditions = ImmutableArray<VmCondition>.Empty, PhaseTransitions = ImmutableArray<PhaseTransition>.Empty, LastReportAt = null }
            == b with { Conditions = ImmutableArray<VmCondition>.Empty, PhaseTransitions = ImmutableArray<PhaseTransition>.Empty, LastReportAt = null };
}
