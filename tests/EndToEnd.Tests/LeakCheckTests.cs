using Orvirt.NodeAgent.Pods;
using Xunit.Abstractions;

namespace Orvirt.EndToEnd.Tests;

/// <summary>After the QEMU suite's fixture is gone: no libvirtd, QEMU or tini it started still runs and no pod folder is left.</summary>
[Collection(LeakCheckCollection.Name)]
public sealed class LeakCheckTests(ITestOutputHelper output)
{
    [Fact]
    public void NothingTheSuiteStartedIsLeftAfterItEnds()
    {
        if (SuiteCleanupReport.Last is not { } report)
        {
            // Only this test was selected (e.g. by a filter): the QEMU suite did not run in this process.
            output.WriteLine("the QEMU suite did not run in this test process; nothing to check");
            return;
        }
        output.WriteLine($"{report.Ledger.Seen.Count} pod processes were seen: {string.Join(", ", report.Ledger.Seen.Select(p => $"{p.Value} {p.Key}"))}");
        Assert.True(report.Problems.Count == 0, $"the suite's cleanup found:\n- {string.Join("\n- ", report.Problems)}");
        Assert.NotEmpty(report.Ledger.Seen);
        Assert.Empty(report.Ledger.StillRunning());
        Assert.Empty(ProcessTools.FindByCommandLine(report.PodsDirectory + "/"));
        Assert.False(Directory.Exists(report.PodsDirectory), $"the pods folder {report.PodsDirectory} should be deleted");
    }
}
