using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bulwark.Cli.Tests.EndToEnd;

namespace Bulwark.Nemesis.Tests;

/// <summary>A fault the nemesis injects into the current leader.</summary>
internal enum Fault
{
    /// <summary>SIGKILL: the leader is gone; it is restarted as a follower after the round.</summary>
    Kill,

    /// <summary>SIGSTOP for twice the lease, then SIGCONT: the leader wakes up deposed and must not trade.</summary>
    Pause,

    /// <summary>The coordinator endpoint the leader talks to is killed (etcd), then restarted.</summary>
    Partition,
}

/// <summary>
/// One round's outcome: who led before and after, the time from the fault to the new leader's first order at the venue,
/// the position the new leader reported at its takeover (before its first order) and the position the venue's fills of
/// the older terms make (fills a fencing venue would have accepted).
/// </summary>
internal sealed record Round(
    int Number, Fault Fault, string OldLeader, long OldToken, string NewLeader, long NewToken, double RecoveryMs,
    long TakeoverPosition, long VenuePosition);

/// <summary>
/// Real processes: a venue simulator and three PaperTrader replicas on one coordinator. Each round finds the leader
/// from the venue's log, injects a fault into it, and measures the time from the fault to the first order accepted
/// from the new leader. Every wait has a deadline; the number of rounds is fixed.
/// </summary>
internal sealed class NemesisHarness : IAsyncDisposable
{
    private static readonly TimeSpan RoundDeadline = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();
    private readonly string _backend;
    private readonly Func<int, string> _coordinatorFor;
    private readonly ChildProcess?[] _replicas = new ChildProcess?[3];
    private readonly TimeSpan _ttl;
    private readonly List<VenueOrder> _orders = [];
    private readonly ConcurrentDictionary<long, long> _takeoverPositions = new();
    private readonly ConcurrentQueue<(string Replica, long Refused)> _deposedExits = new();
    private readonly ConcurrentDictionary<ChildProcess, long> _refused = new();
    private readonly bool _unfenced;
    private ChildProcess? _venue;
    private volatile int _paused = -1;
    private int _venuePort;
    private long _logOffset;

    /// <param name="backend">sqlite, postgres or etcd.</param>
    /// <param name="coordinatorFor">The coordinator address each replica is given (etcd: one member each).</param>
    /// <param name="ttl">Lease length the replicas use.</param>
    /// <param name="rate">Orders per second each leader sends.</param>
    /// <param name="unfenced">The venue checks no fencing token (as a real one), logging what a fencing venue would have decided.</param>
    public NemesisHarness(string backend, Func<int, string> coordinatorFor, TimeSpan ttl, double rate, bool unfenced)
    {
        _backend = backend;
        _coordinatorFor = coordinatorFor;
        _ttl = ttl;
        Rate = rate;
        _unfenced = unfenced;
    }

    public string VenueLogPath => _dir.File("venue.log");

    /// <summary>The trading journal every replica shares (SQLite).</summary>
    public string JournalPath => _dir.File("journal.db");

    public double Rate { get; }

    /// <summary>Replicas that exited deposed (their journal rows refused as stale), with their RefusedAsStale count.</summary>
    public IReadOnlyCollection<(string Replica, long Refused)> DeposedExits => _deposedExits;

    /// <summary>Orders each leader sends in its term before the next fault (about a second and a half at the rate).</summary>
    private int OrdersPerTerm => (int)(Rate * 1.5);

    public async Task StartAsync()
    {
        _venuePort = FreePort();
        string[] venueArgs = ["--port", _venuePort.ToString(CultureInfo.InvariantCulture), "--log", VenueLogPath, "--price", "100"];
        _venue = ChildProcess.StartDotnet(Sample("VenueSimulator"), _dir.Path, _unfenced ? [.. venueArgs, "--unfenced"] : venueArgs);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        await WaitAsync(async () =>
        {
            try
            {
                return (await http.GetStringAsync($"http://127.0.0.1:{_venuePort}/health")) == "ok";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "venue simulator up");

        for (var i = 0; i < _replicas.Length; i++)
        {
            StartReplica(i);
        }
    }

    /// <summary>Runs one round with <paramref name="fault"/>; <paramref name="cut"/> and <paramref name="heal"/> do a partition.</summary>
    public async Task<Round> RunRoundAsync(int number, Fault fault, Action<int>? cut = null, Action<int>? heal = null)
    {
        // The leader: the replica of the latest accepted order, once it is also the one with the highest token.
        // ... and has traded a while in its term: a split brain can only show if the deposed leader has orders to send.
        VenueOrder? leaderOrder = null;
        await WaitAsync(async () =>
        {
            await RestartDeposedAsync(number);
            var orders = Orders();
            var last = orders.LastOrDefault(o => o.Accepted);
            leaderOrder = last is not null && _replicas[Index(last.Replica)] is { HasExited: false } &&
                          orders.Count(o => o.Token == last.Token) >= OrdersPerTerm ? last : null;
            return leaderOrder is not null;
        }, RoundDeadline, $"round {number}: a leader trading {OrdersPerTerm} orders in its term");

        var leader = Index(leaderOrder!.Replica);
        var faultAt = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        Task? waking = null;
        switch (fault)
        {
            case Fault.Kill:
                _replicas[leader]!.Kill();
                break;
            case Fault.Pause:
                // Stopped for twice the lease, then woken deposed, whether or not a successor has taken over by then:
                // one stopped inside its SQLite write holds the file's lock, and nobody can take over until it wakes.
                _replicas[leader]!.Signal(19); // SIGSTOP
                _paused = leader;
                waking = WakeAsync(leader, 2 * _ttl);
                break;
            case Fault.Partition:
                cut!(leader);
                break;
        }

        VenueOrder? first = null;
        try
        {
            await WaitAsync(async () =>
            {
                await RestartDeposedAsync(number, except: leader);
                first = Orders().FirstOrDefault(o => o.Accepted && o.Token > leaderOrder.Token && o.ArrivalUnixMs >= faultAt);
                return first is not null;
            }, RoundDeadline, $"round {number}: a new leader trading after {fault} of {leaderOrder.Replica}");
        }
        finally
        {
            switch (fault)
            {
                case Fault.Kill:
                    await _replicas[leader]!.DisposeAsync();
                    StartReplica(leader);
                    break;
                case Fault.Pause:
                    await waking!;
                    break;
                case Fault.Partition:
                    heal!(leader);
                    break;
            }
        }

        // The new leader printed its position at its takeover, before its first order; every order of an older term that a
        // fencing venue would accept has arrived by now (a later one is a deposed arrival, which a fencing venue refuses).
        var takeover = await Eventually.ValueAsync(() => _takeoverPositions.TryGetValue(first!.Token, out var q) ? (long?)q : null, RoundDeadline, $"round {number}: the takeover position of term {first!.Token}");
        return new Round(number, fault, leaderOrder.Replica, leaderOrder.Token, first.Replica, first.Token, first.ArrivalUnixMs - faultAt,
            takeover!.Value, VenueLog.PositionBefore(Orders(), first.Token));
    }

    /// <summary>
    /// A replica that exited with code 3 was deposed with journal rows refused (its gate is not the journal's any more):
    /// it is restarted, to be rebuilt from the journal, as a supervisor would. Any other exit fails the round: only the
    /// nemesis stops a replica, and one that died by itself leaves the round without the spare it needs.
    /// </summary>
    private async Task RestartDeposedAsync(int number, int except = -1)
    {
        for (var i = 0; i < _replicas.Length; i++)
        {
            if (i == except || _replicas[i] is not { HasExited: true } replica)
            {
                continue;
            }

            if (replica.ExitCode != 3)
            {
                throw new InvalidOperationException($"round {number}: r{i} exited by itself with {replica.ExitCode}\n{Describe()}");
            }

            var refused = replica.Stdout.Split('\n').Where(l => l.StartsWith("journal refused=", StringComparison.Ordinal)).Select(Refused).LastOrDefault();
            _deposedExits.Enqueue(($"r{i}", refused));
            await replica.DisposeAsync();
            StartReplica(i);
        }

        static long Refused(string line) => long.Parse(line.AsSpan(16, line.IndexOf(' ', 16) - 16), CultureInfo.InvariantCulture);
    }

    /// <summary>The nemesis's schedule, not a wait on the system: SIGCONT once <paramref name="after"/> has passed.</summary>
    private async Task WakeAsync(int replica, TimeSpan after)
    {
        await Task.Delay(after);
        _replicas[replica]!.Signal(18); // SIGCONT
        _paused = -1;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            if (replica is not null)
            {
                if (!replica.HasExited)
                {
                    replica.Signal(18); // a stopped process cannot die of SIGKILL until continued on some kernels
                }

                await replica.DisposeAsync();
            }
        }

        if (_venue is not null)
        {
            await _venue.DisposeAsync();
        }

        _dir.Dispose();
    }

    /// <summary>A report of the rounds: one line each, then percentiles.</summary>
    public static string Report(string backend, IReadOnlyList<Round> rounds)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"backend {backend}: {rounds.Count} rounds");
        foreach (var r in rounds)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  round {r.Number,3} {r.Fault,-9} {r.OldLeader}#{r.OldToken} -> {r.NewLeader}#{r.NewToken} recovery {r.RecoveryMs,6:F0} ms, position at takeover {r.TakeoverPosition} (venue fills {r.VenuePosition})");
        }

        foreach (var group in rounds.GroupBy(r => r.Fault).Prepend(rounds.GroupBy(_ => (Fault)(-1)).Single()))
        {
            var sorted = group.Select(r => r.RecoveryMs).Order().ToArray();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {(group.Key == (Fault)(-1) ? "all" : group.Key.ToString()),-9} n={sorted.Length} p50={Percentile(sorted, 0.50):F0} ms p99={Percentile(sorted, 0.99):F0} ms max={sorted[^1]:F0} ms");
        }

        return text.ToString();
    }

    public static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>
    /// A sample's own build output (built by the project reference, same configuration): run from there with its own
    /// dependencies, not from this folder, where the web sample's shared framework leaves some of them out.
    /// </summary>
    internal static string Sample(string name)
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (framework, configuration) = (bin.Name, bin.Parent!.Name);
        var root = bin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Bulwark.slnx")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root?.FullName ?? throw new InvalidOperationException("repository root not found"), "samples", name, "bin", configuration, framework, name + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"sample not built: {path}", path);
    }

    private void StartReplica(int i) =>
        _replicas[i] = ChildProcess.StartDotnet(
            Sample("PaperTrader"), _dir.Path, OnLine,
            "--replica", $"r{i}", "--backend", _backend, "--coordinator", _coordinatorFor(i),
            "--venue", $"http://127.0.0.1:{_venuePort}",
            "--ttl-ms", _ttl.TotalMilliseconds.ToString(CultureInfo.InvariantCulture),
            "--margin-ms", "300", "--renew-ms", "200", "--retry-ms", "50",
            "--rate", Rate.ToString(CultureInfo.InvariantCulture), "--journal", "sqlite:" + JournalPath, "--status-ms", "1000");

    /// <summary>RefusedAsStale over every replica process of the run (each one's latest `journal refused=N`).</summary>
    public long RefusedAsStale => _refused.Values.Sum();

    /// <summary>
    /// `position account=paper symbol=XYZ qty=N token=T at=takeover`: the position a new leader starts from;
    /// `journal refused=N ...`: the replica's RefusedAsStale.
    /// </summary>
    private void OnLine(ChildProcess replica, string line)
    {
        if (line.StartsWith("journal refused=", StringComparison.Ordinal))
        {
            _refused[replica] = long.Parse(line.AsSpan(16, line.IndexOf(' ', 16) - 16), CultureInfo.InvariantCulture);
        }

        if (line.StartsWith("position ", StringComparison.Ordinal) && line.EndsWith(" at=takeover", StringComparison.Ordinal))
        {
            var fields = line.Split(' ').Select(f => f.Split('=')).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
            _takeoverPositions.TryAdd(long.Parse(fields["token"], CultureInfo.InvariantCulture), long.Parse(fields["qty"], CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Every order logged so far, reading only what the venue appended since the last call.</summary>
    public IReadOnlyList<VenueOrder> Orders()
    {
        var fresh = VenueLog.Read(VenueLogPath, ref _logOffset);
        _orders.AddRange(fresh);
        return _orders;
    }

    private static int Index(string replica) => int.Parse(replica.AsSpan(1), CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!await condition())
        {
            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"not within {timeout.TotalSeconds} s: {what}\n{Describe()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Each replica's state and the end of its output: a failed wait says which replica did what.</summary>
    private string Describe()
    {
        var text = new StringBuilder();
        for (var i = 0; i < _replicas.Length; i++)
        {
            if (_replicas[i] is not { } replica)
            {
                continue;
            }

            var state = replica.HasExited ? $"exited with {replica.ExitCode}" : i == _paused ? "stopped by SIGSTOP" : "running";
            text.AppendLine(CultureInfo.InvariantCulture, $"r{i} ({state}):");
            foreach (var line in replica.Stdout.Split('\n').TakeLast(5).Concat(replica.Stderr.Split('\n').TakeLast(15)))
            {
                if (line.Length > 0)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"  {line}");
                }
            }
        }

        return text.ToString();
    }
}
