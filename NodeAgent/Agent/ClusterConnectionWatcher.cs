namespace Orvirt.NodeAgent.Agent;

/// <summary>Turns the Orleans client's gateway notifications into a "reconnected" signal: after a reconnect the agent subscribes again and resyncs.</summary>
public sealed class ClusterConnectionWatcher : IClusterConnectionStatusObserver
{
    /// <summary>Raised when gateways are reachable again after none were.</summary>
    public event Action? Reconnected;

    /// <summary>Raised when the client lost every gateway.</summary>
    public event Action? Lost;

    /// <inheritdoc />
    public void NotifyClusterConnectionLost() => Lost?.Invoke();

    /// <inheritdoc />
    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (connectionRecovered || (previousNumberOfGateways == 0 && currentNumberOfGateways > 0))
        {
            Reconnected?.Invoke();
        }
    }
}
