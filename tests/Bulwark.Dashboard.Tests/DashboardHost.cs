using System.Net;
using System.Net.Sockets;
using Bulwark.Configuration;
using Bulwark.Server;
using Bulwark.Server.Auth;

namespace Bulwark.Dashboard.Tests;

/// <summary>
/// The real host on a loopback port the OS picks, configured from YAML as <c>bulwark run</c> is: one critical component,
/// <c>order-gateway</c>, whose TCP check watches a listener this test owns (<see cref="StopGateway"/> closes it), and a
/// trading section so the risk gate and its kill switch exist. A viewer key and an operator key.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private TcpListener? _gateway;

    private DashboardHost(TempDirectory dir, TcpListener gateway, SafetySystem system, BulwarkServer server, string viewer, string operatorKey)
    {
        _dir = dir;
        _gateway = gateway;
        System = system;
        Server = server;
        ViewerKey = viewer;
        OperatorKey = operatorKey;
    }

    public SafetySystem System { get; }

    public BulwarkServer Server { get; }

    public string ViewerKey { get; }

    public string OperatorKey { get; }

    public string DashboardUrl => Server.Addresses[0].TrimEnd('/') + "/dashboard/";

    public static async Task<DashboardHost> StartAsync()
    {
        var dir = new TempDirectory();
        var gateway = new TcpListener(IPAddress.Loopback, 0);
        gateway.Start();
        var port = ((IPEndPoint)gateway.LocalEndpoint).Port;
        var yaml = dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(yaml, $$"""
            checkIntervalSeconds: 0.2
            dataDirectory: {{dir.Path}}
            components:
              - name: order-gateway
                criticality: critical
                failureThreshold: 1
                successThreshold: 1
                checks:
                  - { type: tcp, host: 127.0.0.1, port: {{port}}, timeoutSeconds: 1, intervalSeconds: 0.2 }
            trading:
              accounts: [{ name: ACC1 }]
              strategies: [{ name: demo }]
              instruments: [{ symbol: XYZ, tickSize: 0.01 }]
              firm: { maximumOrderQuantity: 100, maximumOrderNotional: 1000000, priceCollarPercent: 5, maximumDailyLoss: 50000, maximumDrawdown: 30000, maximumRepeatedExecutions: 20 }
            """);
        var load = BulwarkConfiguration.Load(yaml, []);
        var options = load.Options ?? throw new InvalidOperationException("the test configuration is invalid: " + string.Join("; ", load.Errors));
        var system = SafetySystem.Create(options);
        await system.StartAsync();
        var keys = await ApiKeyStore.OpenAsync(ApiKeyStore.PathIn(dir.Path), TimeProvider.System);
        var viewer = (await keys.AddAsync("watcher", ApiRole.Viewer, "test")).Secret;
        var operatorKey = (await keys.AddAsync("duty-operator", ApiRole.Operator, "test")).Secret;
        var server = await BulwarkServer.StartAsync(system, ["http://127.0.0.1:0"]);
        return new DashboardHost(dir, gateway, system, server, viewer, operatorKey);
    }

    /// <summary>Closes the listener the component's TCP check connects to: the component fails.</summary>
    public void StopGateway()
    {
        _gateway?.Stop();
        _gateway?.Dispose();
        _gateway = null;
    }

    public async ValueTask DisposeAsync()
    {
        StopGateway();
        await Server.DisposeAsync();
        await System.DisposeAsync();
        _dir.Dispose();
    }
}
