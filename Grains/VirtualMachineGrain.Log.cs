using Microsoft.Extensions.Logging;
using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>Log messages of <see cref="VirtualMachineGrain"/>, each naming the VM's namespace and name.</summary>
public sealed partial class VirtualMachineGrain
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "VM {Namespace}/{Name} created with uid {Uid} and run strategy {RunStrategy}")]
    private partial void LogCreated(string @namespace, string name, string uid, RunStrategy runStrategy);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "VM {Namespace}/{Name} spec changed to generation {Generation}")]
    private partial void LogSpecChanged(string @namespace, string name, long generation);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "VM {Namespace}/{Name} decided {Action} while {PrintableStatus}")]
    private partial void LogDecision(string @namespace, string name, VmAction action, PrintableStatus printableStatus);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "VM {Namespace}/{Name} is unschedulable: {Reason}")]
    private partial void LogUnschedulable(string @namespace, string name, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "VM {Namespace}/{Name} placed on node {Node} at epoch {Epoch}")]
    private partial void LogScheduled(string @namespace, string name, string node, long epoch);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "VM {Namespace}/{Name} begins run {InstanceId} (previous run '{Previous}')")]
    private partial void LogRunBegun(string @namespace, string name, string instanceId, string previous);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "VM {Namespace}/{Name} run {InstanceId} failed ({Reason}); consecutive failures {Failures}, next attempt in {Delay}")]
    private partial void LogRunFailed(string @namespace, string name, string instanceId, string reason, int failures, TimeSpan delay);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Debug, Message = "VM {Namespace}/{Name} ignored a report: {Reason}")]
    private partial void LogReportIgnored(string @namespace, string name, string reason);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "VM {Namespace}/{Name} refused a {Verb} request: {Reason}")]
    private partial void LogRequestRefused(string @namespace, string name, string verb, string reason);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "VM {Namespace}/{Name} deletion requested (node '{Node}')")]
    private partial void LogDeleteRequested(string @namespace, string name, string node);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "VM {Namespace}/{Name} with uid {Uid} removed")]
    private partial void LogRemoved(string @namespace, string name, string uid);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "VM {Namespace}/{Name} lost its node {Node}: {Reason}")]
    private partial void LogNodeLost(string @namespace, string name, string node, string reason);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "VM {Namespace}/{Name} is in the index but does not exist (its create did not finish); removing the entry")]
    private partial void LogIndexEntryWithoutVm(string @namespace, string name);
}
