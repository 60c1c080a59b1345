using System.Net.Http.Headers;
using Bulwark.Server.Auth;
using Microsoft.AspNetCore.Builder;

namespace Bulwark.Server.Tests;

/// <summary>
/// A real safety system and its real server (Kestrel on 127.0.0.1, a port the OS picks), with one key of each role.
/// One component, <c>engine</c>, watched by a heartbeat the test reports (<see cref="Beat"/>).
/// </summary>
internal sealed class ServerHarness : IAsyncDisposable
{
    private readonly TempDirectory _dir;

    private ServerHarness(TempDirectory dir, SafetySystem system, BulwarkServer server, ApiKeyStore keys, Dictionary<ApiRole, string> secrets, HttpMessageHandler? handler)
    {
        _dir = dir;
        System = system;
        Server = server;
        Keys = keys;
        Secrets = secrets;
        Client = new HttpClient(handler ?? new HttpClientHandler()) { BaseAddress = new Uri(server.Addresses[0]), Timeout = TimeSpan.FromSeconds(30) };
    }

    public SafetySystem System { get; }

    public BulwarkServer Server { get; }

    public ApiKeyStore Keys { get; }

    /// <summary>A valid key of each role.</summary>
    public IReadOnlyDictionary<ApiRole, string> Secrets { get; }

    public HttpClient Client { get; }

    public string DataDirectory => _dir.Path;

    public static async Task<ServerHarness> StartAsync(
        Action<BulwarkOptions>? configure = null, Func<string, IEventStore>? store = null, Action<WebApplication>? endpoints = null,
        string url = "http://127.0.0.1:0", HttpMessageHandler? handler = null, Bulwark.Failover.ILeaseCoordinator? leases = null)
    {
        var dir = new TempDirectory();
        var options = new BulwarkOptions { DataDirectory = dir.Path };
        var component = new ComponentOptions { Name = "engine", Criticality = Criticality.Critical, FailureThreshold = 1, SuccessThreshold = 1 };
        component.Checks.Add(new CheckOptions { Type = CheckType.Heartbeat, Name = "beat", IntervalSeconds = 0.2, StaleAfterSeconds = 600 });
        options.Components.Add(component);
        configure?.Invoke(options);

        var system = SafetySystem.Create(options, eventStore: store?.Invoke(Path.Combine(dir.Path, BulwarkDefaults.DatabaseFileName)), leaseCoordinator: leases);
        await system.StartAsync();
        var keys = await ApiKeyStore.OpenAsync(ApiKeyStore.PathIn(dir.Path), TimeProvider.System);
        var secrets = new Dictionary<ApiRole, string>();
        foreach (var role in ApiRoles.All)
        {
            secrets[role] = (await keys.AddAsync(ApiRoles.Name(role) + "-key", role, "test")).Secret;
        }

        var server = await BulwarkServer.StartAsync(system, [url], endpoints, CancellationToken.None);
        return new ServerHarness(dir, system, server, keys, secrets, handler);
    }

    /// <summary>A heartbeat of the <c>engine</c> component.</summary>
    public void Beat() => System.Manager.ReportHeartbeat("engine");

    public Task<HttpResponseMessage> GetAsync(string path, string? key = null) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path), key);

    public Task<HttpResponseMessage> GetAsync(string path, ApiRole role) => GetAsync(path, Secrets[role]);

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string? key)
    {
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await System.DisposeAsync();
        _dir.Dispose();
    }
}
