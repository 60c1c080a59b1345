using Bulwark.Server.Auth;
using Bulwark.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Server;

/// <summary>
/// The HTTP API of a running <see cref="SafetySystem"/> on ASP.NET Core's Kestrel (what <c>bulwark run</c> serves): health,
/// reads, the live event stream, Prometheus metrics and the OpenAPI document, behind API keys with roles. Start it after
/// the system has started; stop it before the system stops.
/// </summary>
public sealed class BulwarkServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _stopped;

    private BulwarkServer(WebApplication app, IReadOnlyList<string> addresses)
    {
        _app = app;
        Addresses = addresses;
    }

    /// <summary>The addresses listened on, with the real port where a URL asked for port 0.</summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <summary>
    /// Starts serving <paramref name="system"/> on <paramref name="urls"/> (null: its <c>server.urls</c>, else
    /// <see cref="ServerOptions.DefaultUrl"/>). API keys are read from <c>keys.db</c> in the system's data directory.
    /// </summary>
    /// <exception cref="IOException">An address cannot be listened on (in use, not on this machine).</exception>
    public static Task<BulwarkServer> StartAsync(SafetySystem system, IReadOnlyList<string>? urls = null, CancellationToken cancellationToken = default) =>
        StartAsync(system, urls, configure: null, cancellationToken);

    /// <summary>As above; <paramref name="configure"/> maps more endpoints after Bulwark's (tests of the role policies).</summary>
    internal static async Task<BulwarkServer> StartAsync(SafetySystem system, IReadOnlyList<string>? urls, Action<WebApplication>? configure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(system);
        var options = system.Options.Server ?? new ServerOptions();
        var keys = await ApiKeyStore.OpenAsync(ApiKeyStore.PathIn(system.Options.DataDirectory), system.Time, cancellationToken).ConfigureAwait(false);
        var app = ServerHost.Build(system, options, urls is { Count: > 0 } ? urls : options.EffectiveUrls, keys, configure);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
        return new BulwarkServer(app, addresses);
    }

    /// <summary>Stops listening; open streams end. Idempotent.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops, then releases the host.</summary>
    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
