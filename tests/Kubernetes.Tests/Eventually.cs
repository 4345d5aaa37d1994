namespace Orvirt.Kubernetes.Tests;

/// <summary>Polling with a deadline and a failure message that says what was awaited and what was seen.</summary>
internal static class Eventually
{
    public static async Task Until(Func<bool> condition, string what, Func<string>? seen = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}" + (seen is null ? "" : $"; last seen: {seen()}"));
            }
            await Task.Delay(20);
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, Func<string>? log = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}" + (log is null ? "" : "\n" + log()));
            }
            await Task.Delay(20);
        }
    }
}
