namespace Orvirt.NodeAgent.Tests.Agent;

/// <summary>Polls a condition with a deadline and a contextual failure message (never a bare sleep).</summary>
internal static class ProcessPodWait
{
    public static async Task Until(Func<bool> condition, string failure, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"{failure} (waited {seconds} s)");
            }
            await Task.Delay(20);
        }
    }
}
