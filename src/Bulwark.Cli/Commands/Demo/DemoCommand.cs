using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Bulwark.Server.Auth;

namespace Bulwark.Cli.Commands.Demo;

/// <summary>
/// <c>bulwark demo</c>: every part of Bulwark working on this machine, with nothing to install. It writes a demo
/// configuration (<see cref="DemoConfiguration"/>) into its own data directory, adds a viewer, an operator and an engine
/// key, prints the dashboard's URL and the keys, then is <c>bulwark run</c> on that configuration: the server, the venue
/// simulator and two PaperTrader replicas under active/passive failover on the SQLite coordinator, supervised, trading
/// through the server's gate. Ctrl-C or SIGTERM stops every process it started (the supervisor's stop, then a kill of
/// each tree).
/// </summary>
internal static class DemoCommand
{
    public const string DefaultDataDirectory = ".bulwark-demo";
    public const int DefaultPort = 5080;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var urls = new Option<string[]>("--urls")
        {
            Description = $"Where the server listens (default http://127.0.0.1:{DefaultPort}, or a free port when that one is taken).",
            AllowMultipleArgumentsPerToken = true,
        };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = $"The demo's own directory, emptied at each start (default ./{DefaultDataDirectory})." };
        var repository = new Option<DirectoryInfo?>("--repository") { Description = "The Bulwark checkout whose built samples run (default: found from here upwards)." };
        var rate = new Option<double>("--rate") { Description = "Orders per second the leading engine sends (default 5).", DefaultValueFactory = _ => 5 };
        var command = new Command("demo", "Run the demo: server and dashboard, a venue, two engines under failover trading through the gate, SLOs and recovery plans.");
        command.Options.Add(urls);
        command.Options.Add(dataDir);
        command.Options.Add(repository);
        command.Options.Add(rate);
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(urls), parse.GetValue(dataDir)?.FullName, parse.GetValue(repository)?.FullName, parse.GetValue(rate), stdout, stderr, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string[]? urls, string? dataDir, string? repository, double rate, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!(rate > 0 && rate <= 1000))
        {
            await stderr.WriteLineAsync($"error: --rate: must be more than 0 and at most 1000, got {rate}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var root = repository ?? FindRepository();
        if (root is null)
        {
            await stderr.WriteLineAsync("error: the Bulwark checkout was not found from here (no Bulwark.slnx upwards): run it from the repository, or pass --repository DIR").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var samples = DemoConfiguration.Samples(root);
        var missing = samples.Where(s => !File.Exists(s)).ToList();
        if (missing.Count > 0)
        {
            await stderr.WriteLineAsync($"error: not built: {string.Join(", ", missing)}; run ./scripts/demo.sh (it builds), or dotnet build Bulwark.slnx -c Release").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var directory = Path.GetFullPath(dataDir ?? DefaultDataDirectory);
        if (DemoConfiguration.Prepare(directory) is { } refusal)
        {
            await stderr.WriteLineAsync("error: --data-dir: " + refusal).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var serverUrls = urls is { Length: > 0 } ? urls : [PortIsFree(DefaultPort) ? $"http://127.0.0.1:{DefaultPort}" : "http://127.0.0.1:0"];
        var keys = await ApiKeyStore.OpenAsync(ApiKeyStore.PathIn(directory), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        var who = $"{Environment.UserName} (bulwark demo)";
        var viewer = (await keys.AddAsync("demo-viewer", ApiRole.Viewer, who, cancellationToken).ConfigureAwait(false)).Secret;
        var operatorKey = (await keys.AddAsync("demo-operator", ApiRole.Operator, who, cancellationToken).ConfigureAwait(false)).Secret;
        var engine = (await keys.AddAsync("demo-engine", ApiRole.Engine, who, cancellationToken).ConfigureAwait(false)).Secret;

        // The engines need the server's address before it listens: a port fixed now (the one asked for, or a free one).
        var listen = serverUrls.Select(u => u.EndsWith(":0", StringComparison.Ordinal) ? u[..^1] + FreePort() : u).ToArray();
        var gate = listen[0].Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal);
        var config = DemoConfiguration.Write(directory, root, FreePort(), gate, engine, rate);

        return await RunCommand.RunAsync(config, json: false, verbose: false, listen, stdout, stderr, cancellationToken, serving: async addresses =>
        {
            var url = addresses.Count > 0 ? addresses[0].TrimEnd('/') : gate;
            await stdout.WriteLineAsync($"""

                ==== Bulwark demo ====
                dashboard:     {url}/dashboard/
                viewer key:    {viewer}
                operator key:  {operatorKey}
                configuration: {config}
                Try (from another terminal, in {Environment.CurrentDirectory}):
                  ./bulwark failover status -c {config}
                  ./bulwark drill failover -c {config} --group engines --force --by you     # kill -9 the leader, recovery time measured
                  kill -9 $(cat {Path.Combine(directory, "processes", "trader.0.pid")})       # a replica by hand: the supervisor restarts it
                  the dashboard's Trading page, with the operator key: engage the kill switch, trading Halted
                Ctrl-C stops everything it started.
                ======================

                """).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>The directory holding Bulwark.slnx, from the working directory upwards, then from this program's.</summary>
    internal static string? FindRepository()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Bulwark.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    private static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
