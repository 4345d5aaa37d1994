using System.Collections.Immutable;
using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>What a start, stop or restart request does to a VM, as <see cref="VmRequestRules"/> decided it.</summary>
public sealed record VmRequestOutcome
{
    /// <summary>Null when allowed; otherwise why the request is refused.</summary>
    public string? RefusedBecause { get; init; }
    /// <summary>The run strategy the request switches the spec to (a spec change), or null.</summary>
    public RunStrategy? NewRunStrategy { get; init; }
    /// <summary>State-change requests to add (KubeVirt's <c>stateChangeRequests</c>).</summary>
    public ImmutableArray<StateChangeAction> AddRequests { get; init; } = [];

    /// <summary>True when the request is refused.</summary>
    public bool Refused => RefusedBecause is not null;

    /// <summary>A refusal with its reason.</summary>
    public static VmRequestOutcome Refuse(string message) => new() { RefusedBecause = message };

    /// <summary>Allowed; nothing changes (e.g. the same request is already pending).</summary>
    public static readonly VmRequestOutcome NoChange = new();

    /// <summary>Allowed; the spec's run strategy changes.</summary>
    public static VmRequestOutcome Switch(RunStrategy strategy) => new() { NewRunStrategy = strategy };

    /// <summary>Allowed; requests are added.</summary>
    public static VmRequestOutcome Add(params StateChangeAction[] actions) => new() { AddRequests = [.. actions] };
}
