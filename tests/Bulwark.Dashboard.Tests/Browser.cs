using Microsoft.Playwright;

namespace Bulwark.Dashboard.Tests;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, from scripts/debian-packages.txt) driven headless by Playwright; its own
/// browser download is not used. Screenshots go to <c>TestResults/screenshots</c> under the test output, and the
/// README's <c>docs/images/dashboard.png</c> is rewritten when <c>BULWARK_UPDATE_SCREENSHOT=1</c>.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Chromium = browser;
    }

    public IBrowser Chromium { get; }

    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public static async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install the Debian package 'chromium' (scripts/test.sh does, from scripts/debian-packages.txt)");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                Timeout = 60_000,
            });
            return new Browser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A fresh page (its own sessionStorage) at the given viewport size.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>Opens the dashboard and signs in with <paramref name="key"/>.</summary>
    public async Task<IPage> SignInAsync(string dashboardUrl, string key, int width = 1280, int height = 900)
    {
        var page = await NewPageAsync(width, height);
        await page.GotoAsync(dashboardUrl);
        await page.FillAsync("#key", key);
        await page.ClickAsync("#login-form button[type=submit]");
        await page.WaitForSelectorAsync("#pages:not([hidden])");
        return page;
    }

    /// <summary>Keeps a full-page screenshot as a test artefact; returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>The repository's docs/images/dashboard.png, when BULWARK_UPDATE_SCREENSHOT=1; else null.</summary>
    public static string? ReadmeScreenshotPath()
    {
        if (Environment.GetEnvironmentVariable("BULWARK_UPDATE_SCREENSHOT") != "1")
        {
            return null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Bulwark.slnx")))
            {
                return Path.Combine(dir.FullName, "docs", "images", "dashboard.png");
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright.Dispose();
    }
}
