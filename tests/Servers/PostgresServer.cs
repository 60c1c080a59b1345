using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Bulwark.Tests.Servers;

/// <summary>
/// A private PostgreSQL server for one test run: <c>initdb</c> into a temporary directory, <c>pg_ctl start</c> on
/// 127.0.0.1 and a free port, <c>pg_ctl stop</c> at the end. PostgreSQL refuses to run as root, so as root (CI) it
/// runs as the <c>postgres</c> system user the Debian package creates. A missing PostgreSQL fails the tests with
/// the package to install; it never skips them.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _dataDirectory;
    private string? _bin;

    public int Port { get; private set; }

    /// <summary>Connection string of the server's maintenance database.</summary>
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false;Timeout=5";

    public async Task InitializeAsync()
    {
        _bin = FindBinaries();
        _dataDirectory = Directory.CreateTempSubdirectory("bulwark-pg-").FullName;
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", _dataDirectory], asPostgres: false);
        }

        Port = FreePort();
        var data = Path.Combine(_dataDirectory, "data");
        await RunAsync(Path.Combine(_bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"], asRoot);

        // fsync off: the data is a test's, and the disk is shared with other builds.
        var options = $"-c listen_addresses=127.0.0.1 -p {Port} -k {_dataDirectory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
        await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(_dataDirectory, "server.log"), "-o", options, "-w", "-t", "60", "start"], asRoot);
    }

    public async Task DisposeAsync()
    {
        if (_dataDirectory is null || _bin is null)
        {
            return;
        }

        try
        {
            await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_dataDirectory, "data"), "-m", "immediate", "-w", "stop"], Environment.UserName == "root");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    /// <summary>A new, empty database on this server; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name};", connection);
            await command.ExecuteNonQueryAsync();
        }

        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name}";
    }

    private static string FindBinaries()
    {
        const string Root = "/usr/lib/postgresql";
        var bin = Directory.Exists(Root)
            ? Directory.GetDirectories(Root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException(
            $"PostgreSQL server binaries not found ({Root}/<version>/bin/initdb). Install the Debian package 'postgresql' (scripts/test.sh installs it from scripts/debian-packages.txt).");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, string[] args, bool asPostgres)
    {
        var info = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                info.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stdout}{await stderr}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
