using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Bulwark.Cli.Tests.EndToEnd;

namespace Bulwark.Nemesis.Tests;

/// <summary>
/// A restart in the middle of a trading session, with real processes: PaperTrader on a SQLite trading journal against
/// the venue simulator, driven by a command file. The session builds positions from venue fills, leaves orders working,
/// halts a symbol by hand and crosses the account's daily loss limit (Reducing); the engine is killed with SIGKILL and
/// started again on the same journal. Its output must show every one of them restored, and no order passed before the
/// rebuild was complete: orders waiting for the new process are checked during the rebuild and all rejected.
/// </summary>
public sealed class RestartTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();
    private readonly List<ChildProcess> _processes = [];
    private readonly int _port = FreePort();

    [Fact]
    public async Task AKill9MidSession_RestartOnTheSameJournal_RestoresPositionsWorkingOrdersTheHaltAndTheLossLimit_AndNothingPassesBeforeTheRebuild()
    {
        var port = _port;
        var venueLog = _dir.File("venue.log");
        var venue = Start(NemesisHarness.Sample("VenueSimulator"), "--port", port.ToString(CultureInfo.InvariantCulture), "--log", venueLog, "--price", "100");
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) })
        {
            await Eventually.WaitUntilAsync(async () =>
            {
                try
                {
                    return await http.GetStringAsync($"http://127.0.0.1:{port}/health") == "ok";
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            }, Wait, "venue up");
        }

        // The first process: a session of about 3,000 fills (a journal worth rebuilding), then the state under test.
        var commands = _dir.File("session-1.txt");
        var first = StartTrader(commands);
        await WaitForLineAsync(first, "started ");
        await File.AppendAllTextAsync(commands, """
            burst 3000
            buy XYZ 100 100
            sell XYZ 5 100
            buy XYZ 7 99
            sell XYZ 3 101
            halt symbol:ABC alice news pending
            mark XYZ 80

            """);
        await WaitForLineAsync(first, "mark symbol=XYZ price=80");

        // 95 long at 100 marked at 80: a loss of 1,900 against a limit of 1,000. The next evaluation latches Reducing.
        await Eventually.WaitUntilAsync(() => Task.FromResult(Last(first, "state scope=account:paper ") == "state scope=account:paper state=Reducing"), Wait, () => Tail(first));

        // The mark comes back (no loss now): the latch holds all the same, until the session ends or a person lifts it.
        await File.AppendAllTextAsync(commands, "mark XYZ 100\nflush\nstatus\n");
        await WaitForLineAsync(first, "durable ");
        var orders = Lines(first).Where(l => l.StartsWith("order ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, orders.Count);
        Assert.All(orders, o => Assert.EndsWith("decision=accepted", o, StringComparison.Ordinal));
        var resting = Lines(first).Where(l => l.StartsWith("working id=", StringComparison.Ordinal)).Select(l => long.Parse(l["working id=".Length..], CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal(2, resting.Count);
        await Eventually.WaitUntilAsync(() => Task.FromResult(Last(first, "position ") is { } p && p.Contains(" qty=95 ", StringComparison.Ordinal) &&
                                              Last(first, "working count=") == $"working count=2 ids={string.Join(',', resting)}"), Wait, () => Tail(first));
        Assert.Equal("state scope=symbol:ABC state=Halted", Last(first, "state scope=symbol:ABC "));
        Assert.Equal("state scope=account:paper state=Reducing", Last(first, "state scope=account:paper "));

        // Mid-session, working orders live at the venue: SIGKILL.
        first.Kill();
        await first.WaitForExitAsync(Wait);
        var sentBefore = VenueLines(venueLog).Count;

        // The second process finds 20 buys waiting: each is checked while the journal rebuilds. A gate that let one
        // through would trade on an empty book (Active, flat, a fresh mark): it would be accepted and reach the venue.
        var restart = _dir.File("session-2.txt");
        await File.WriteAllTextAsync(restart, string.Concat(Enumerable.Repeat("buy XYZ 1 100\n", 20)));
        var second = StartTrader(restart);
        await WaitForLineAsync(second, "started ");
        await WaitForLineAsync(second, "rate "); // the end of the first status block
        var waiting = Lines(second).Where(l => l.StartsWith("order ", StringComparison.Ordinal)).ToList();
        Assert.Equal(20, waiting.Count);
        Assert.All(waiting, o => Assert.EndsWith("decision=rejected reason=JournalNotCurrent", o, StringComparison.Ordinal));
        var rebuilt = Lines(second).Single(l => l.StartsWith("rebuilt rows=", StringComparison.Ordinal));
        Assert.True(long.Parse(rebuilt["rebuilt rows=".Length..], CultureInfo.InvariantCulture) > 9_000, rebuilt);

        // Restored: the position from the fills, both working orders (with their reservations), the halt and the Reducing.
        Assert.Contains(" qty=95 avg=100 ", Last(second, "position "), StringComparison.Ordinal);
        Assert.Equal($"working count=2 ids={string.Join(',', resting)}", Last(second, "working count="));
        Assert.Equal("state scope=symbol:ABC state=Halted", Last(second, "state scope=symbol:ABC "));
        Assert.Equal("state scope=account:paper state=Reducing", Last(second, "state scope=account:paper "));

        // And it trades on them: a buy is refused by the Reducing, a sell reduces the position at the venue.
        await File.AppendAllTextAsync(restart, "buy XYZ 1 100\nsell XYZ 1 100\nbuy ABC 1 50\nstatus\n");
        await WaitForLineAsync(second, "order id=", count: 23);
        var after = Lines(second).Where(l => l.StartsWith("order ", StringComparison.Ordinal)).Skip(20).ToList();
        Assert.Contains("side=buy", after[0], StringComparison.Ordinal);
        Assert.DoesNotContain("decision=accepted", after[0], StringComparison.Ordinal);
        Assert.EndsWith("decision=accepted", after[1], StringComparison.Ordinal);
        Assert.Contains("symbol=ABC", after[2], StringComparison.Ordinal);
        Assert.DoesNotContain("decision=accepted", after[2], StringComparison.Ordinal);
        await Eventually.WaitUntilAsync(() => Task.FromResult(Last(second, "position ")?.Contains(" qty=94 ", StringComparison.Ordinal) == true), Wait, () => Tail(second));

        // The venue saw one order from the second process: the sell. None of the 21 buys reached it.
        var fromSecond = VenueLines(venueLog).Skip(sentBefore).ToList();
        Assert.Single(fromSecond);
        Assert.Contains("\"side\":\"sell\"", fromSecond[0], StringComparison.Ordinal);
        Assert.False(venue.HasExited);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xUnit v2 never calls a test class's DisposeAsync, so every run left its venue
    // and second engine running (found as seven of each on this machine after a day of CI runs).
    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _dir.Dispose();
    }

    private ChildProcess StartTrader(string commands) =>
        Start(NemesisHarness.Sample("PaperTrader"),
            "--replica", "desk", "--backend", "none", "--venue", $"http://127.0.0.1:{_port}",
            "--journal", "sqlite:" + _dir.File("journal.db"), "--commands", commands, "--rate", "0",
            "--daily-loss", "1000", "--evaluate-ms", "100", "--status-ms", "200");

    private ChildProcess Start(string assembly, params string[] args)
    {
        var process = ChildProcess.StartDotnet(assembly, _dir.Path, args);
        _processes.Add(process);
        return process;
    }

    private static async Task WaitForLineAsync(ChildProcess process, string prefix, int count = 1) =>
        await Eventually.WaitUntilAsync(() => Task.FromResult(Lines(process).Count(l => l.StartsWith(prefix, StringComparison.Ordinal)) >= count), Wait,
            () => $"{count} line(s) starting '{prefix}'\n{Tail(process)}");

    private static string[] Lines(ChildProcess process) => process.Stdout.Split('\n');

    private static string? Last(ChildProcess process, string prefix) => Lines(process).LastOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));

    private static string Tail(ChildProcess process) =>
        string.Join('\n', Lines(process).TakeLast(30)) + "\n" + string.Join('\n', process.Stderr.Split('\n').TakeLast(10));

    private static List<string> VenueLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
