using System.Net;
using System.Net.Sockets;
using Bulwark.Health.Checks;

namespace Bulwark.Tests.Health.Checks;

public sealed class TcpProbeTests
{
    [Fact]
    public async Task ListeningPort_IsHealthy_AndClosedPort_IsUnhealthy()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var probe = new TcpProbe("127.0.0.1", port);

        var open = await probe.ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Healthy, open.Status);
        Assert.Contains($"127.0.0.1:{port}", open.Description);

        listener.Stop();
        var closed = await probe.ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Unhealthy, closed.Status);
        Assert.Equal($"127.0.0.1:{port}: connection refused", closed.Description);
    }
}
