using Bulwark.Health.Checks;
using Bulwark.Tests.TestSupport;

namespace Bulwark.Tests.Health.Checks;

public sealed class HttpProbeTests : IAsyncLifetime
{
    private readonly HttpClient _http = HttpProbeClient.Create();
    private TestWebEndpoint _endpoint = null!;

    public async Task InitializeAsync() => _endpoint = await TestWebEndpoint.StartAsync();

    public async Task DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        _http.Dispose();
    }

    private HttpProbe Probe(string? expectedStatus = null, string? bodyContains = "ok") =>
        new(_http, new CheckOptions { Type = CheckType.Http, Url = _endpoint.HealthUrl.ToString(), ExpectedStatus = expectedStatus, BodyContains = bodyContains });

    [Fact]
    public async Task Ok_IsHealthy()
    {
        var result = await Probe().ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Healthy, result.Status);
        Assert.Equal("HTTP 200", result.Description);
        Assert.Equal(1, _endpoint.Requests);
    }

    [Fact]
    public async Task StatusOutsideTheRange_IsUnhealthy_NamingTheStatus()
    {
        _endpoint.Mode = EndpointMode.Fail;
        var result = await Probe().ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Unhealthy, result.Status);
        Assert.Equal("HTTP 503 (expected 200-299)", result.Description);
    }

    [Fact]
    public async Task ExpectedRange_IsHonoured()
    {
        _endpoint.Mode = EndpointMode.Fail;
        Assert.Equal(CheckStatus.Healthy, (await Probe("500-599", bodyContains: null).ProbeAsync(CancellationToken.None)).Status);
        Assert.Equal(CheckStatus.Healthy, (await Probe("503", bodyContains: null).ProbeAsync(CancellationToken.None)).Status);
        _endpoint.Mode = EndpointMode.Ok;
        Assert.Equal(CheckStatus.Unhealthy, (await Probe("503", bodyContains: null).ProbeAsync(CancellationToken.None)).Status);
    }

    [Fact]
    public async Task BodyWithoutTheText_IsUnhealthy()
    {
        _endpoint.Mode = EndpointMode.WrongBody;
        var result = await Probe().ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Unhealthy, result.Status);
        Assert.Contains("does not contain \"ok\"", result.Description);
        Assert.Equal(CheckStatus.Healthy, (await Probe(bodyContains: null).ProbeAsync(CancellationToken.None)).Status);
    }

    [Fact]
    public async Task StoppedServer_IsUnhealthy_ConnectionRefused()
    {
        var probe = Probe();
        await _endpoint.StopAsync();
        var result = await probe.ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Unhealthy, result.Status);
        Assert.Equal("connection refused", result.Description);
        Assert.NotNull(result.Exception);
    }

    [Fact]
    public async Task HangingServer_StopsWhenTheTokenIsCancelled()
    {
        _endpoint.Mode = EndpointMode.Hang;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Probe().ProbeAsync(timeout.Token));
    }
}
