using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Bulwark.Tests.Servers;

/// <summary>
/// A TCP proxy on 127.0.0.1 between one replica and its coordinator, so the nemesis can cut that replica off alone.
/// A cut is a black hole, the nastier kind of partition: connections stay open but nothing gets through (requests
/// hang rather than fail), and new connections are accepted and then ignored. Healing drops every connection that
/// lived through the cut (the client reconnects) and forwards again.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private volatile bool _cut;

    public TcpProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Cut() => _cut = true;

    public void Heal()
    {
        _cut = false;
        foreach (var connection in _connections.Keys.Where(c => c.SawCut))
        {
            connection.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        foreach (var connection in _connections.Keys)
        {
            connection.Close();
        }

        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            var connection = new Connection(client) { SawCut = _cut };
            _connections[connection] = 0;
            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(Connection connection)
    {
        try
        {
            if (connection.SawCut)
            {
                // Accepted into the black hole: read and drop until healed (then closed) or closed by the client.
                await DrainAsync(connection.Client.GetStream(), connection);
                return;
            }

            using var upstream = new TcpClient();
            await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stopping.Token);
            connection.Upstream = upstream;
            await Task.WhenAny(PumpAsync(connection.Client.GetStream(), upstream.GetStream(), connection), PumpAsync(upstream.GetStream(), connection.Client.GetStream(), connection));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
        }
        finally
        {
            connection.Close();
            _connections.TryRemove(connection, out _);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Connection connection)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stopping.Token)) > 0)
        {
            if (_cut)
            {
                connection.SawCut = true; // dropped on the floor; the connection dies at the heal
                continue;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stopping.Token);
        }
    }

    private async Task DrainAsync(NetworkStream from, Connection connection)
    {
        var buffer = new byte[4096];
        while (await from.ReadAsync(buffer, _stopping.Token) > 0)
        {
            connection.SawCut = true;
        }
    }

    private sealed class Connection(TcpClient client)
    {
        public TcpClient Client { get; } = client;

        public TcpClient? Upstream { get; set; }

        public volatile bool SawCut;

        public void Close()
        {
            Client.Dispose();
            Upstream?.Dispose();
        }
    }
}
