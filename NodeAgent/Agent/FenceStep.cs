namespace Orvirt.NodeAgent.Agent;

/// <summary>What the agent must do after a register or heartbeat answer (<see cref="NodeFence.Observe"/>).</summary>
public enum FenceStep
{
    /// <summary>The node is not fenced and was not: nothing to do.</summary>
    None = 0,
    /// <summary>
    /// The node is fenced: every cached desired state from before the fence is void; destroy every domain and pod that
    /// the (empty) assignments do not list, then confirm the cleanup with <see cref="NodeFence.FencedAtEpoch"/>.
    /// </summary>
    CleanUp = 1,
    /// <summary>The node was fenced and is not any more: take the new epoch and resync; the node takes new VMs again.</summary>
    Unfenced = 2,
}
