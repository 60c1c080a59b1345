using System.Net;
using System.Net.Sockets;

namespace Bulwark.Tests.TestSupport;

/// <summary>Small real systems for tests: one critical component watched over TCP on 127.0.0.1.</summary>
internal static class TestSystems
{
    /// <summary>A critical component "gateway" with a TCP check every 50 ms on <paramref name="port"/>.</summary>
    public static BulwarkOptions GatewayOverTcp(string dataDirectory, int port, int failureThreshold = 1)
    {
        var options = new BulwarkOptions { DataDirectory = dataDirectory, CheckIntervalSeconds = 0.05 };
        var component = new ComponentOptions { Name = "gateway", Criticality = Criticality.Critical, FailureThreshold = failureThreshold, SuccessThreshold = 1 };
        component.Checks.Add(new CheckOptions { Type = CheckType.Tcp, Host = "127.0.0.1", Port = port, TimeoutSeconds = 1 });
        options.Components.Add(component);
        return options;
    }

    /// <summary>A started listener on 127.0.0.1 and a port of its own.</summary>
    public static (TcpListener Listener, int Port) Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return (listener, ((IPEndPoint)listener.LocalEndpoint).Port);
    }
}
