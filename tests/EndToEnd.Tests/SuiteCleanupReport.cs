namespace Orvirt.EndToEnd.Tests;

/// <summary>What <see cref="QemuCluster"/> found when it cleaned up, kept for <see cref="LeakCheckTests"/> (which runs after it).</summary>
/// <param name="PodsDirectory">The pods folder the agents used.</param>
/// <param name="Ledger">Every pod process seen during the suite (it can be asked again what still runs).</param>
/// <param name="Problems">What was left behind, one line each; empty when everything was cleaned up.</param>
public sealed record SuiteCleanupReport(string PodsDirectory, PodProcessLedger Ledger, IReadOnlyList<string> Problems)
{
    private static SuiteCleanupReport? _last;

    /// <summary>The report of the fixture that ended last in this test process, or null when none ran.</summary>
    public static SuiteCleanupReport? Last
    {
        get => Volatile.Read(ref _last);
        set => Volatile.Write(ref _last, value);
    }
}
