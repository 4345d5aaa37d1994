using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Orvirt.Web.Tests;

/// <summary>
/// The VM page and the Orleans dashboard in real headless Chromium (Debian's <c>chromium</c>, driven by Playwright),
/// against a real silo and node agent. Saves screenshots to <c>docs/screenshots/</c>.
/// </summary>
public sealed class BrowserTests : IClassFixture<ClusterFixture>, IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 60_000 };
    private readonly ClusterFixture _cluster;
    private readonly string _userDataDir = Directory.CreateTempSubdirectory("orvirt-chromium-").FullName;
    private IPlaywright? _playwright;
    private IBrowserContext? _browser;

    public BrowserTests(ClusterFixture cluster) => _cluster = cluster;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install Debian's chromium (apt-get install -y --no-install-recommends chromium; scripts/setup.sh does it).");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchPersistentContextAsync(_userDataDir, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
    }

    [Fact]
    public async Task VmCreatedThroughTheCliAppearsAndTurnsRunningWithoutReloadThenShowsInDetailAndDashboard()
    {
        var page = _browser!.Pages.Count > 0 ? _browser.Pages[0] : await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_cluster.Silo.HttpAddress, "/").ToString());
        await Expect(page.Locator("#connection")).ToHaveTextAsync("live", Slow);
        await Expect(page.Locator($"tr[data-node='{ClusterFixture.NodeName}'] [data-field=ready]")).ToHaveTextAsync("Ready", Slow);
        // A marker that a reload would wipe: the page must update in place.
        await page.EvaluateAsync("() => { window.__orvirtNoReload = 'still here'; }");

        await _cluster.CliAsync("vm", "create", "shop", "-n", "web-e2e", "--cpu", "2", "--memory", "256Mi");

        var row = page.Locator("tr[data-vm='web-e2e/shop']");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(row.Locator("[data-field=status]")).ToHaveTextAsync("Running", Slow);
        await Expect(row.Locator("[data-field=node]")).ToHaveTextAsync(ClusterFixture.NodeName);
        await Expect(row).ToContainTextAsync("256Mi");
        await Expect(page.Locator("[data-namespace='web-e2e']")).ToHaveTextAsync("namespace web-e2e");
        Assert.Equal("still here", await page.EvaluateAsync<string>("() => window.__orvirtNoReload"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("vm-page.png"), FullPage = true });

        await row.Locator("a").ClickAsync();
        await Expect(page.Locator("[data-field=detail-title]")).ToHaveTextAsync("web-e2e/shop", Slow);
        await Expect(page.Locator("[data-field=detail-status]")).ToHaveTextAsync("Running", Slow);
        var desiredActual = page.Locator("[data-section=desired-actual]");
        await Expect(desiredActual).ToContainTextAsync(ClusterFixture.NodeName);
        await Expect(desiredActual).ToContainTextAsync("Always");
        await Expect(page.Locator("#detail")).ToContainTextAsync("the domain is running");
        await Expect(page.Locator("#detail")).ToContainTextAsync("Scheduled");
        await Expect(page.Locator("#detail")).ToContainTextAsync("Last report from " + ClusterFixture.NodeName);
        Assert.Equal("still here", await page.EvaluateAsync<string>("() => window.__orvirtNoReload"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("vm-detail.png"), FullPage = true });

        await page.GotoAsync(new Uri(_cluster.Silo.HttpAddress, "/dashboard/#/grains").ToString());
        await DumpOnFailureAsync(page, async () =>
        {
            // The grain list names the VM grain type once it has activations.
            await Expect(page.Locator("#content")).ToContainTextAsync("VirtualMachineGrain", new() { Timeout = 60_000 });
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("dashboard-grains.png"), FullPage = true });

            // Grain Details: pick the VM grain type, give the VM's key, and read its state (desired and actual).
            await page.Locator("a[href='#/grainDetails']").First.ClickAsync();
            var type = page.Locator("#content select");
            var option = type.Locator("option[value$='VirtualMachineGrain']");
            await Expect(option).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await type.SelectOptionAsync((await option.GetAttributeAsync("value"))!);
            await page.Locator("#content input[placeholder='Grain Id']").FillAsync("web-e2e/shop");
            await page.Locator("#content input[type=button][value='Show Details']").ClickAsync();
            var state = page.Locator("#content pre");
            await Expect(state).ToContainTextAsync("shop", new() { Timeout = 30_000 });
            await Expect(state).ToContainTextAsync("Running");
            await Expect(state).ToContainTextAsync(ClusterFixture.NodeName);
        });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("dashboard-grain-state.png"), FullPage = true });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }
        _playwright?.Dispose();
        try
        {
            Directory.Delete(_userDataDir, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be flushing its profile; a leftover temp folder must not fail the test.
        }
    }

    private static async Task DumpOnFailureAsync(IPage page, Func<Task> steps)
    {
        try
        {
            await steps();
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("dashboard-failure.png"), FullPage = true });
            var text = await page.Locator("body").InnerTextAsync();
            throw new InvalidOperationException($"The dashboard step failed at {page.Url}: {e.Message}\nPage text:\n{text}\nPage HTML:\n{await page.ContentAsync()}", e);
        }
    }

    private static string Screenshot(string name)
    {
        var folder = Path.Combine(RepositoryRoot.Find(), "docs", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }
}
