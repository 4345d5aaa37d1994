using Orvirt.Interfaces;

namespace Orvirt.Grains;

/// <summary>The outcome of <see cref="VmDecision.Decide"/>: one action and the status to show meanwhile.</summary>
/// <param name="Action">The one thing to do next.</param>
/// <param name="PrintableStatus">The status to show for the state the decision saw.</param>
/// <param name="WantsRun">Whether the VM should be running (run strategy x requests x last run's end).</param>
public sealed record VmDecisionResult(VmAction Action, PrintableStatus PrintableStatus, bool WantsRun);
