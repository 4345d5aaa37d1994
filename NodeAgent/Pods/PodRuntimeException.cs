namespace Orvirt.NodeAgent.Pods;

/// <summary>A pod could not be created or its daemon did not come up; the message names the pod and the daemon's log.</summary>
public sealed class PodRuntimeException(string message) : Exception(message);
