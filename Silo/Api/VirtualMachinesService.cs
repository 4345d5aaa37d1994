using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orvirt.Api.V1;
using Orvirt.Interfaces;

namespace Orvirt.Silo.Api;

/// <summary>
/// The <c>orvirt.v1.VirtualMachines</c> service: validates requests (nothing invalid reaches a grain, so
/// nothing invalid is stored) and delegates to the VM grains and the index grain.
/// </summary>
public sealed partial class VirtualMachinesService : VirtualMachines.VirtualMachinesBase
{
    /// <summary>Events a watch may hold before it is ended as too slow.</summary>
    public const int WatchBufferSize = 4096;

    private const int ListPageSize = 500;
    private readonly IGrainFactory _grains;
    private readonly IClusterClient _client;
    private readonly IOptionsMonitor<ValidationLimits> _limits;
    private readonly NamespaceQuota _quota;
    private readonly ILogger<VirtualMachinesService> _logger;

    public VirtualMachinesService(IGrainFactory grains, IClusterClient client, IOptionsMonitor<ValidationLimits> limits, NamespaceQuota quota, ILogger<VirtualMachinesService> logger)
    {
        _grains = grains;
        _client = client;
        _limits = limits;
        _quota = quota;
        _logger = logger;
    }

    public override async Task<VirtualMachine> Create(CreateRequest request, ServerCallContext context)
    {
        var (id, spec) = Validated("create", request.Namespace, request.Name, request.Spec, request.Labels);
        await _quota.EnsureRoomAsync(id);
        var result = await Vm(id).CreateAsync(spec);
        return Snapshot(result, id);
    }

    public override async Task<ApplyResponse> Apply(ApplyRequest request, ServerCallContext context)
    {
        var (id, spec) = Validated("apply", request.Namespace, request.Name, request.Spec, request.Labels);
        var grain = Vm(id);
        var before = await grain.GetAsync();
        if (before.Vm is null)
        {
            await _quota.EnsureRoomAsync(id);
        }
        var result = await grain.ApplyAsync(spec, request.HasExpectedGeneration ? request.ExpectedGeneration : null);
        if (!result.IsOk || result.Vm is null)
        {
            throw ApiErrors.FromResult(result, id);
        }
        var after = result.Vm;
        var created = before.Vm is null || before.Vm.Uid != after.Uid;
        var changed = created
            || before.Vm!.Generation != after.Generation
            || !SameLabels(before.Vm.Spec.Labels, after.Spec.Labels);
        return new ApplyResponse { Vm = VmMapper.ToProto(after), Created = created, Changed = changed };
    }

    public override async Task<VirtualMachine> Get(GetRequest request, ServerCallContext context)
    {
        var id = ValidatedId("get", request.Namespace, request.Name);
        return Snapshot(await Vm(id).GetAsync(), id);
    }

    public override async Task<ListResponse> List(ListRequest request, ServerCallContext context)
    {
        var query = ValidatedQuery(request.Namespace, request.AllNamespaces, request.LabelSelector, request.Limit, request.ContinueToken);
        var page = await Index().ListAsync(query);
        var response = new ListResponse { ContinueToken = page.Continue };
        response.Items.Add(await FetchAsync(page.Items));
        return response;
    }

    public override async Task<VirtualMachine> Update(UpdateRequest request, ServerCallContext context)
    {
        var (id, spec) = Validated("update", request.Namespace, request.Name, request.Spec, request.Labels);
        return Snapshot(await Vm(id).UpdateAsync(spec, request.ExpectedGeneration), id);
    }

    public override async Task<VirtualMachine> Delete(VmRef request, ServerCallContext context)
    {
        var id = ValidatedId("delete", request.Namespace, request.Name);
        var result = await Vm(id).DeleteAsync();
        if (!result.IsOk)
        {
            throw ApiErrors.FromResult(result, id);
        }
        LogDeleteRequested(_logger, id.Namespace, id.Name);
        return result.Vm is null ? VmMapper.ToProto(id) : VmMapper.ToProto(result.Vm);
    }

    public override async Task<VirtualMachine> Start(VmRef request, ServerCallContext context)
    {
        var id = ValidatedId("start", request.Namespace, request.Name);
        return Snapshot(await Vm(id).StartAsync(), id);
    }

    public override async Task<VirtualMachine> Stop(StopRequest request, ServerCallContext context)
    {
        var id = ValidatedId("stop", request.Namespace, request.Name);
        var max = _limits.CurrentValue.MaxGracePeriodSeconds;
        if (request.HasGracePeriodSeconds && (request.GracePeriodSeconds < 0 || request.GracePeriodSeconds > max))
        {
            throw Rejected("stop", id, [new("gracePeriodSeconds", $"{request.GracePeriodSeconds} is out of range; use 0 to {max}, or force to destroy at once")]);
        }
        var options = new StopOptions { GracePeriodSeconds = request.HasGracePeriodSeconds ? request.GracePeriodSeconds : null, Force = request.Force };
        return Snapshot(await Vm(id).StopAsync(options), id);
    }

    public override async Task<VirtualMachine> Restart(VmRef request, ServerCallContext context)
    {
        var id = ValidatedId("restart", request.Namespace, request.Name);
        return Snapshot(await Vm(id).RestartAsync(), id);
    }

    public override async Task<VirtualMachine> Pause(VmRef request, ServerCallContext context)
    {
        var id = ValidatedId("pause", request.Namespace, request.Name);
        return Snapshot(await Vm(id).PauseAsync(), id);
    }

    public override async Task<VirtualMachine> Unpause(VmRef request, ServerCallContext context)
    {
        var id = ValidatedId("unpause", request.Namespace, request.Name);
        return Snapshot(await Vm(id).UnpauseAsync(), id);
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<WatchEvent> responseStream, ServerCallContext context)
    {
        var query = ValidatedQuery(request.Namespace, request.AllNamespaces, request.LabelSelector, 0, "");
        LabelSelector.TryParse(query.LabelSelector, out var selector, out _);
        var cancellationToken = context.CancellationToken;
        var channel = Channel.CreateBounded<VmEvent>(new BoundedChannelOptions(WatchBufferSize)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var observer = new VmEventChannelObserver(channel.Writer);
        var stream = _client.GetStreamProvider(OrvirtNames.StreamProvider)
            .GetStream<VmEvent>(StreamId.Create(OrvirtNames.VmEventStreamNamespace, OrvirtNames.VmEventStreamKey));
        // Subscribe before the initial list so that no change falls between the two; duplicates are dropped by resource version.
        var subscription = await stream.SubscribeAsync(observer);
        var scope = query.Namespace ?? "*";
        LogWatchStarted(_logger, scope, query.LabelSelector ?? "");
        var sent = new Dictionary<VmId, long>();
        try
        {
            // The response headers tell the client that the watch is subscribed: a change after they arrive is delivered,
            // so a client that reads a VM after them (orvirt vm wait) misses nothing, not even a delete that left no VM to list.
            await context.WriteResponseHeadersAsync(new Metadata());
            if (request.SendInitial)
            {
                var next = "";
                do
                {
                    var page = await Index().ListAsync(query with { Limit = ListPageSize, Continue = next });
                    foreach (var vm in await FetchSnapshotsAsync(page.Items))
                    {
                        sent[vm.Id] = vm.ResourceVersion;
                        await responseStream.WriteAsync(new WatchEvent { Type = "ADDED", Vm = VmMapper.ToProto(vm) }, cancellationToken);
                    }
                    next = page.Continue;
                }
                while (!string.IsNullOrEmpty(next) && !cancellationToken.IsCancellationRequested);
            }

            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken))
            {
                var vm = e.Vm;
                if ((query.Namespace is not null && vm.Namespace != query.Namespace) || !selector.Matches(vm.Spec.Labels))
                {
                    continue;
                }
                if (e.Type == VmEventType.Deleted)
                {
                    sent.Remove(vm.Id);
                }
                else if (sent.TryGetValue(vm.Id, out var seen) && vm.ResourceVersion <= seen)
                {
                    continue;
                }
                else
                {
                    sent[vm.Id] = vm.ResourceVersion;
                }
                await responseStream.WriteAsync(new WatchEvent { Type = EventType(e.Type), Vm = VmMapper.ToProto(vm) }, cancellationToken);
            }
            if (observer.Overflowed)
            {
                LogWatchOverflow(_logger, scope, WatchBufferSize);
                throw new RpcException(new Grpc.Core.Status(StatusCode.ResourceExhausted,
                    $"the watch fell more than {WatchBufferSize} events behind and was ended; list again and start a new watch"));
            }
            if (observer.StreamError is { } error)
            {
                throw new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, $"the event stream failed ({error.Message}); start a new watch"));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: a normal end of a watch.
        }
        finally
        {
            await subscription.UnsubscribeAsync();
            LogWatchEnded(_logger, scope);
        }
    }

    private IVirtualMachineGrain Vm(VmId id) => _grains.GetGrain<IVirtualMachineGrain>(id.Key);

    private IVmIndexGrain Index() => _grains.GetGrain<IVmIndexGrain>(GrainKeys.VmIndex);

    private (VmId Id, VmSpec Spec) Validated(string operation, string @namespace, string name, VirtualMachineSpec? protoSpec, Google.Protobuf.Collections.MapField<string, string> labels)
    {
        var id = VmMapper.ToId(@namespace, name);
        var mapping = new List<Interfaces.FieldViolation>();
        var spec = VmMapper.ToSpec(protoSpec, labels, mapping);
        var violations = new List<Interfaces.FieldViolation>(mapping);
        // A field that could not be mapped was given a placeholder; do not also report the placeholder.
        violations.AddRange(VmValidator.Validate(id, spec, _limits.CurrentValue)
            .Where(v => !mapping.Any(m => v.Field.StartsWith(m.Field, StringComparison.Ordinal) || m.Field.StartsWith(v.Field + ".", StringComparison.Ordinal))));
        if (violations.Count > 0)
        {
            throw Rejected(operation, id, violations);
        }
        return (id, spec);
    }

    private VmId ValidatedId(string operation, string @namespace, string name)
    {
        var id = VmMapper.ToId(@namespace, name);
        var violations = VmValidator.ValidateId(id);
        if (violations.Count > 0)
        {
            throw Rejected(operation, id, violations);
        }
        return id;
    }

    private static VmListQuery ValidatedQuery(string @namespace, bool allNamespaces, string labelSelector, int limit, string continueToken)
    {
        var violations = new List<Interfaces.FieldViolation>();
        string? ns = null;
        if (!allNamespaces)
        {
            ns = string.IsNullOrEmpty(@namespace) ? OrvirtNames.DefaultNamespace : @namespace;
            if (VmValidator.Dns1123LabelError(ns) is { } nsError)
            {
                violations.Add(new("namespace", "namespace " + nsError));
            }
        }
        else if (!string.IsNullOrEmpty(@namespace))
        {
            violations.Add(new("namespace", "give either a namespace or allNamespaces, not both"));
        }
        if (!LabelSelector.TryParse(labelSelector, out _, out var selectorError))
        {
            violations.Add(new("labelSelector", selectorError));
        }
        if (limit < 0)
        {
            violations.Add(new("limit", $"{limit} is negative; use 0 for everything or a page size such as 100"));
        }
        if (violations.Count > 0)
        {
            throw ApiErrors.InvalidArgument(violations);
        }
        return new VmListQuery
        {
            Namespace = ns,
            LabelSelector = string.IsNullOrWhiteSpace(labelSelector) ? null : labelSelector,
            Limit = limit,
            Continue = string.IsNullOrEmpty(continueToken) ? null : continueToken,
        };
    }

    private RpcException Rejected(string operation, VmId id, IReadOnlyCollection<Interfaces.FieldViolation> violations)
    {
        LogRejected(_logger, operation, id.Namespace, id.Name, string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")));
        return ApiErrors.InvalidArgument(violations);
    }

    private static VirtualMachine Snapshot(VmResult result, VmId id) =>
        result.IsOk && result.Vm is not null ? VmMapper.ToProto(result.Vm) : throw ApiErrors.FromResult(result, id);

    private async Task<IEnumerable<VirtualMachine>> FetchAsync(IEnumerable<VmId> ids) =>
        (await FetchSnapshotsAsync(ids)).Select(VmMapper.ToProto);

    /// <summary>Fetches VMs in parallel, in the given order; ones deleted meanwhile are left out.</summary>
    private async Task<IEnumerable<VmSnapshot>> FetchSnapshotsAsync(IEnumerable<VmId> ids)
    {
        var results = await Task.WhenAll(ids.Select(id => Vm(id).GetAsync()));
        return results.Where(r => r.IsOk && r.Vm is not null).Select(r => r.Vm!);
    }

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static string EventType(VmEventType type) => type switch
    {
        VmEventType.Added => "ADDED",
        VmEventType.Deleted => "DELETED",
        _ => "MODIFIED",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected {Operation} of {Namespace}/{Name}: {Violations}")]
    private static partial void LogRejected(ILogger logger, string operation, string @namespace, string name, string violations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delete of {Namespace}/{Name} requested")]
    private static partial void LogDeleteRequested(ILogger logger, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watch started for namespace {Namespace} selector '{Selector}'")]
    private static partial void LogWatchStarted(ILogger logger, string @namespace, string selector);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watch ended for namespace {Namespace}")]
    private static partial void LogWatchEnded(ILogger logger, string @namespace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch for namespace {Namespace} fell {Buffer} events behind and was ended")]
    private static partial void LogWatchOverflow(ILogger logger, string @namespace, int buffer);
}
