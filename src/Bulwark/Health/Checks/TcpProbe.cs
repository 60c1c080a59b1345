using System.Globalization;
using System.Net.Sockets;

namespace Bulwark.Health.Checks;

/// <summary>Healthy when a TCP connection to host:port opens.</summary>
internal sealed class TcpProbe(string host, int port) : IHealthProbe
{
    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            return ProbeResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"connected to {host}:{port}"));
        }
        catch (SocketException ex)
        {
            var reason = ex.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : $"{ex.SocketErrorCode}: {ex.Message}";
            return ProbeResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"{host}:{port}: {reason}"), ex);
        }
    }
}
