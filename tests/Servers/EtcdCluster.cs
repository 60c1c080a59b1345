using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Bulwark.Tests.Servers;

/// <summary>
/// A private 3-member etcd cluster for one test run, on 127.0.0.1 and free ports, data in a temporary directory.
/// It runs with Bulwark's recommended fast timing (<c>--heartbeat-interval 50 --election-timeout 500</c>), which lets a
/// lease last 1 s (etcd's default 100/1000 makes 2 s the least). A missing etcd fails the tests with the package
/// to install; it never skips them.
/// </summary>
public sealed class EtcdCluster : IAsyncLifetime
{
    private const string Binary = "/usr/bin/etcd";
    private readonly Member[] _members = new Member[3];
    private string? _directory;

    /// <summary>Every member's client URL, comma-separated, as the coordinator takes them.</summary>
    public string Endpoints => string.Join(',', _members.Select(m => m.ClientUrl));

    /// <summary>One member's client URL.</summary>
    public string Endpoint(int member) => _members[member].ClientUrl;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"etcd not found at {Binary}. Install the Debian package 'etcd-server' (scripts/test.sh installs it from scripts/debian-packages.txt).");
        }

        _directory = Directory.CreateTempSubdirectory("bulwark-etcd-").FullName;
        var ports = FreePorts(6);
        for (var i = 0; i < 3; i++)
        {
            _members[i] = new Member($"m{i}", $"http://127.0.0.1:{ports[2 * i]}", $"http://127.0.0.1:{ports[(2 * i) + 1]}", Path.Combine(_directory, $"m{i}"));
        }

        for (var i = 0; i < 3; i++)
        {
            Start(i);
        }

        await WaitHealthyAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Starts (or restarts) one member.</summary>
    public void Start(int index)
    {
        var m = _members[index];
        var cluster = string.Join(',', _members.Select(x => $"{x.Name}={x.PeerUrl}"));
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--name", m.Name, "--data-dir", m.DataDirectory,
            "--listen-client-urls", m.ClientUrl, "--advertise-client-urls", m.ClientUrl,
            "--listen-peer-urls", m.PeerUrl, "--initial-advertise-peer-urls", m.PeerUrl,
            "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", "bulwark-test",
            "--heartbeat-interval", "50", "--election-timeout", "500",
            "--log-level", "error", "--unsafe-no-fsync",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        m.Process = process;
    }

    /// <summary>Stops one member hard (SIGKILL), as a crashed machine would.</summary>
    public void Kill(int index)
    {
        var process = _members[index].Process;
        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit(10_000);
        }
    }

    public Task DisposeAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            if (_members[i] is not null)
            {
                Kill(i);
                _members[i].Process?.Dispose();
            }
        }

        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }

        return Task.CompletedTask;
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        foreach (var member in _members)
        {
            while (true)
            {
                try
                {
                    var body = await http.GetStringAsync(member.ClientUrl + "/health");
                    if (body.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                    {
                        break;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // not up yet
                }

                if (TimeProvider.System.GetTimestamp() > deadline)
                {
                    throw new TimeoutException($"etcd member {member.Name} not healthy within {timeout.TotalSeconds} s");
                }

                await Task.Delay(50);
            }
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    private sealed class Member(string name, string clientUrl, string peerUrl, string dataDirectory)
    {
        public string Name { get; } = name;

        public string ClientUrl { get; } = clientUrl;

        public string PeerUrl { get; } = peerUrl;

        public string DataDirectory { get; } = dataDirectory;

        public Process? Process { get; set; }
    }
}

[CollectionDefinition(Name)]
public sealed class EtcdCollection : ICollectionFixture<EtcdCluster>
{
    public const string Name = "etcd";
}
