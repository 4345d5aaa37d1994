namespace Orvirt.NodeAgent.Tests.Agent;

/// <summary>One cleanup confirmation the agent sent: the epoch it passed and how many pods it still had then.</summary>
public sealed record FenceConfirmation(long Epoch, int PodsLeft);
