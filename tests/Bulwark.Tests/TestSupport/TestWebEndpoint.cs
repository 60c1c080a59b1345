using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bulwark.Tests.TestSupport;

/// <summary>What <see cref="TestWebEndpoint"/> answers on <c>/health</c>.</summary>
internal enum EndpointMode
{
    /// <summary>200 with body "ok".</summary>
    Ok,

    /// <summary>503 with body "down".</summary>
    Fail,

    /// <summary>200 with body "nope".</summary>
    WrongBody,

    /// <summary>Never answers, until the request is aborted.</summary>
    Hang,
}

/// <summary>A real Kestrel server on 127.0.0.1 with a port of its own, whose answer the test switches.</summary>
internal sealed class TestWebEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _mode;
    private int _requests;

    private TestWebEndpoint(WebApplication app)
    {
        _app = app;
    }

    public EndpointMode Mode
    {
        get => (EndpointMode)Volatile.Read(ref _mode);
        set => Volatile.Write(ref _mode, (int)value);
    }

    public int Requests => Volatile.Read(ref _requests);

    public Uri HealthUrl { get; private set; } = null!;

    /// <summary>host:port, as a Prometheus scrape target.</summary>
    public string HostAndPort => HealthUrl.Authority;

    public static async Task<TestWebEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var endpoint = new TestWebEndpoint(app);
        app.MapGet("/health", (Func<HttpContext, Task<IResult>>)endpoint.HandleAsync);

        // The same up/down as /health, as a Prometheus gauge, for a real Prometheus to scrape.
        app.MapGet("/metrics", () => Results.Text($"# TYPE target_up gauge\ntarget_up {(endpoint.Mode == EndpointMode.Ok ? 1 : 0)}\n", "text/plain; version=0.0.4"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        endpoint.HealthUrl = new Uri(new Uri(address), "/health");
        return endpoint;
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        switch (Mode)
        {
            case EndpointMode.Fail:
                return Results.Text("down", statusCode: 503);
            case EndpointMode.WrongBody:
                return Results.Text("nope");
            case EndpointMode.Hang:
                await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
                return Results.Text("unreachable");
            default:
                return Results.Text("ok");
        }
    }
}
