using Bulwark.Trading;
using Microsoft.Playwright;

namespace Bulwark.Dashboard.Tests;

/// <summary>
/// The dashboard in a real Chromium against the real host: it loads and shows the live system; a component the test
/// stops turns Failed on the page without a reload; an operator engages the kill switch from the page (confirmation and
/// a reason) and trading shows Halted; a viewer cannot. Screenshots are kept in TestResults/screenshots.
/// </summary>
public sealed class DashboardTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Dashboard_Loads_ShowsTheLiveSystem_AtDesktopAndPhoneWidths()
    {
        await using var host = await DashboardHost.StartAsync();
        await Eventually.WaitUntilAsync(() => host.System.Manager.SystemState == SafetyState.Healthy, Wait, "the system healthy");

        var page = await fixture.Browser.SignInAsync(host.DashboardUrl, host.ViewerKey);

        await Assertions.Expect(page.Locator("#system-state")).ToHaveTextAsync("system: Healthy");
        await Assertions.Expect(page.Locator("#trading-state")).ToHaveTextAsync("trading: Active");
        await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync("watcher (viewer)");
        await Assertions.Expect(ComponentState(page, "order-gateway")).ToHaveTextAsync("Healthy");
        await Assertions.Expect(page.Locator("#components svg.strip")).ToHaveCountAsync(1);

        // A section the configuration leaves out says so; it is not drawn empty.
        await page.ClickAsync("nav a[data-page=resilience]");
        await Assertions.Expect(page.Locator("#failover-groups")).ToContainTextAsync("Failover is not configured");
        await page.ClickAsync("nav a[data-page=system]");
        await Assertions.Expect(page.Locator("#page-system")).ToBeVisibleAsync();

        var shot = await Browser.ScreenshotAsync(page, "system-1280");
        if (Browser.ReadmeScreenshotPath() is { } readme)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(readme)!);
            File.Copy(shot, readme, overwrite: true);
        }

        // A phone: the same page, nothing wider than the screen but the tables' own scrollers.
        var phone = await fixture.Browser.SignInAsync(host.DashboardUrl, host.ViewerKey, width: 390, height: 844);
        await Assertions.Expect(ComponentState(phone, "order-gateway")).ToHaveTextAsync("Healthy");
        var overflow = await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        Assert.False(overflow, "the page is wider than a 390 px phone screen");
        await Browser.ScreenshotAsync(phone, "system-390");
    }

    [Fact]
    public async Task StoppedComponent_ShowsFailed_WithoutAReload()
    {
        await using var host = await DashboardHost.StartAsync();
        await Eventually.WaitUntilAsync(() => host.System.Manager.SystemState == SafetyState.Healthy, Wait, "the system healthy");
        var page = await fixture.Browser.SignInAsync(host.DashboardUrl, host.ViewerKey);
        await Assertions.Expect(ComponentState(page, "order-gateway")).ToHaveTextAsync("Healthy");
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        host.StopGateway();

        await Assertions.Expect(ComponentState(page, "order-gateway")).ToHaveTextAsync("Failed", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#system-state")).ToHaveTextAsync("system: Failed");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
        await Browser.ScreenshotAsync(page, "component-failed");
    }

    [Fact]
    public async Task Operator_EngagesTheKillSwitch_WithConfirmationAndReason_AndTradingShowsHalted()
    {
        await using var host = await DashboardHost.StartAsync();
        var page = await fixture.Browser.SignInAsync(host.DashboardUrl, host.OperatorKey);
        await page.ClickAsync("nav a[data-page=trading]");
        await Assertions.Expect(page.Locator("#firm-state")).ToHaveTextAsync("Active");

        await page.ClickAsync("#engage-kill");
        await Assertions.Expect(page.Locator("#confirm-kill")).ToBeVisibleAsync();

        // No reason: refused on the page, nothing sent.
        await page.ClickAsync("#kill-confirm");
        await Assertions.Expect(page.Locator("#confirm-kill")).ToBeVisibleAsync();
        Assert.Equal(TradingState.Active, host.System.Trading!.Gate.GetTradingState(TradingScope.Firm));

        await page.FillAsync("#kill-reason", "browser test: venue misbehaving");
        await page.ClickAsync("#kill-confirm");

        await Assertions.Expect(page.Locator("#confirm-kill")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#firm-state")).ToHaveTextAsync("Halted");
        await Assertions.Expect(page.Locator("#trading-state")).ToHaveTextAsync("trading: Halted");
        await Assertions.Expect(page.Locator("#kill-state")).ToHaveTextAsync("engaged");
        Assert.Equal(TradingState.Halted, host.System.Trading.Gate.GetTradingState(TradingScope.Firm));
        await Assertions.Expect(page.Locator("#trading")).ToContainTextAsync("duty-operator");
        await Assertions.Expect(page.Locator("#trading")).ToContainTextAsync("browser test: venue misbehaving");
        await Browser.ScreenshotAsync(page, "kill-switch-engaged");
    }

    [Fact]
    public async Task Viewer_CannotEngageTheKillSwitch_AndIsToldWhy()
    {
        await using var host = await DashboardHost.StartAsync();
        var page = await fixture.Browser.SignInAsync(host.DashboardUrl, host.ViewerKey);
        await page.ClickAsync("nav a[data-page=trading]");

        await Assertions.Expect(page.Locator("#engage-kill")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#kill-why")).ToContainTextAsync("viewer role");

        // Past the page: the server refuses the viewer's key too, and trading stays active.
        var status = await page.EvaluateAsync<int>(
            """async () => (await fetch("/api/v1/kill-switch", { method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer " + sessionStorage.getItem("bulwark.key") }, body: JSON.stringify({ scope: "firm", engage: true, reason: "viewer tries" }) })).status""");
        Assert.Equal(403, status);
        Assert.Equal(TradingState.Active, host.System.Trading!.Gate.GetTradingState(TradingScope.Firm));
        await Browser.ScreenshotAsync(page, "viewer-trading");
    }

    private static ILocator ComponentState(IPage page, string component) =>
        page.Locator($"tr[data-component='{component}'] [data-testid=component-state]");
}
