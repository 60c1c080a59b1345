namespace Bulwark.Dashboard.Tests;

/// <summary>One headless Chromium for the tests of a class (each test opens its own context and host).</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private Browser? _browser;

    internal Browser Browser => _browser ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _browser = await Browser.LaunchAsync();

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }
}
