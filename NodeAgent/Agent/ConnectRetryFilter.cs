namespace Orvirt.NodeAgent.Agent;

/// <summary>Keeps trying to reach the gateway at start-up (the silo may start after the agent), one attempt a second.</summary>
public sealed class ConnectRetryFilter : IClientConnectionRetryFilter
{
    /// <inheritdoc />
    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
