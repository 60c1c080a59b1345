using System.Diagnostics;
using System.Globalization;
using Bulwark.PostgreSql;
using Bulwark.Trading;
using Bulwark.Trading.Journal;

namespace Bulwark.Benchmarks.Trading;

/// <summary>
/// The trading journal's throughput and commit cost on a real store (bench/journal/measure.sh runs it per store):
/// <list type="number">
/// <item>commit: one row appended straight to the store, one append at a time (a commit each: its fsync cost);</item>
/// <item>fill to durable: one <see cref="RiskGate.OnFill"/> then <see cref="TradingJournal.FlushAsync"/>, one at a time;</item>
/// <item>burst: FILLS fills reported by one thread as fast as it can, timed until every one is durable (group commit);</item>
/// <item>rebuild: the burst's store opened again and a new gate rebuilt from it (<see cref="TradingJournal.StartAsync"/>,
/// what a restart does, and what a takeover does for every row since the new leader last read): rows applied per second.</item>
/// </list>
/// Usage: <c>journal-throughput sqlite-full|sqlite-normal|postgres|postgres-async-commit FILLS DIRECTORY|CONNECTION</c>.
/// </summary>
internal static class JournalThroughput
{
    private const int Orders = 1_000;
    private const int Singles = 300;
    private const int Bursts = 3;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 3 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var fills) || fills < 1)
        {
            await Console.Error.WriteLineAsync("usage: journal-throughput sqlite-full|sqlite-normal|postgres|postgres-async-commit FILLS DIRECTORY|CONNECTION");
            return 2;
        }

        var kind = args[0];
        var commit = new List<double>();
        var single = new List<double>();
        var bursts = new List<(double FillsPerSecond, long Commits, double Seconds)>();
        var rebuilds = new List<(double RowsPerSecond, long Rows)>();

        // 1. One commit per row, straight to the store.
        await using (var store = await OpenAsync(kind, Address(kind, args[2], "commit")))
        {
            for (var i = 0; i < Singles; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await store.AppendAsync([new JournalRecord { Writer = "bench", Kind = JournalRecordKind.Ack, OrderId = i + 1 }]);
                commit.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        // 2. and 3. Through the journal.
        for (var run = 0; run < Bursts; run++)
        {
            var address = Address(kind, args[2], $"run{run}");
            var counting = new CountingStore(await OpenAsync(kind, address));
            await using (counting)
            {
                var gate = NewGate(out var account, out var strategy, out var symbol);
                await using var journal = await TradingJournal.StartAsync(gate, counting, new TradingJournalOptions { QueueCapacity = TradingJournalOptions.MaximumQueueCapacity });
                for (var o = 1; o <= Orders; o++)
                {
                    var order = new OrderRequest(o, account, strategy, symbol, OrderSide.Buy, 1_000_000_000, 100);
                    var decision = gate.Check(in order);
                    if (!decision.IsAccepted || !journal.RecordAccepted(in order, decision))
                    {
                        throw new InvalidOperationException("setup order refused: " + decision);
                    }
                }

                await journal.FlushAsync();
                long execution = 0;
                if (run == 0)
                {
                    for (var i = 0; i < Singles; i++)
                    {
                        var started = Stopwatch.GetTimestamp();
                        gate.OnFill(1 + (i % Orders), ++execution, 1, 100);
                        await journal.FlushAsync();
                        single.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }

                var before = counting.Appends;
                var burstStarted = Stopwatch.GetTimestamp();
                for (var i = 0; i < fills; i++)
                {
                    gate.OnFill(1 + (i % Orders), ++execution, 1, 100);
                }

                await journal.FlushAsync();
                var seconds = Stopwatch.GetElapsedTime(burstStarted).TotalSeconds;
                bursts.Add((fills / seconds, counting.Appends - before, seconds));
                if (journal.RefusedAsStale != 0 || journal.HoldReason is { } held)
                {
                    throw new InvalidOperationException("the journal refused rows or holds: " + journal.HoldReason);
                }
            }

            // 4. A restart on that store: every row read and applied to a new gate before it opens.
            await using (var reopened = await OpenAsync(kind, address))
            {
                var gate = NewGate(out _, out _, out _);
                var started = Stopwatch.GetTimestamp();
                await using var rebuilt = await TradingJournal.StartAsync(gate, reopened, new TradingJournalOptions { Writer = "restarted" });
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                rebuilds.Add((rebuilt.RowsApplied / seconds, rebuilt.RowsApplied));
            }
        }

        var ordered = bursts.OrderBy(b => b.FillsPerSecond).ToList();
        var median = ordered[ordered.Count / 2];
        var rebuild = rebuilds.OrderBy(r => r.RowsPerSecond).ToList()[rebuilds.Count / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {kind} | {Percentile(commit, 0.5):F2} ms | {Percentile(commit, 0.99):F2} ms | {Percentile(single, 0.5):F2} ms | {Percentile(single, 0.99):F2} ms | {median.FillsPerSecond:N0} | {string.Join(" / ", bursts.Select(b => b.FillsPerSecond.ToString("N0", CultureInfo.InvariantCulture)))} | {median.Commits:N0} ({fills / (double)median.Commits:N0} rows) | {rebuild.RowsPerSecond:N0} ({rebuild.Rows:N0} rows) |"));
        return 0;
    }

    /// <summary>Where one run's store lives: a new SQLite file, or a new database on the server (the script's private one).</summary>
    private static string Address(string kind, string where, string name) => kind switch
    {
        "sqlite-full" or "sqlite-normal" => Path.Combine(where, kind + "-" + name + ".db"),
        "postgres" => where + ";Database=" + Database(where, name),
        "postgres-async-commit" => where + ";Options=-c synchronous_commit=off;Database=" + Database(where, name),
        _ => throw new ArgumentException($"unknown store '{kind}'", nameof(kind)),
    };

    private static async Task<ITradingJournalStore> OpenAsync(string kind, string address) => kind switch
    {
        "sqlite-full" => await SqliteTradingJournalStore.OpenAsync(address, synchronousFull: true),
        "sqlite-normal" => await SqliteTradingJournalStore.OpenAsync(address, synchronousFull: false),
        _ => await PostgreSqlTradingJournalStore.OpenAsync(address),
    };

    /// <summary>A new, empty database on the server.</summary>
    private static string Database(string connection, string name)
    {
        var database = "j" + Guid.NewGuid().ToString("N")[..12] + name;
        using var admin = new Npgsql.NpgsqlConnection(connection + ";Database=postgres");
        admin.Open();
        using var command = new Npgsql.NpgsqlCommand($"CREATE DATABASE {database};", admin);
        command.ExecuteNonQuery();
        return database;
    }

    private static RiskGate NewGate(out int account, out int strategy, out int symbol)
    {
        var options = new RiskGateOptions { EnabledChecks = RiskChecks.None, OrderCapacity = 1 << 12, ReferencePriceMaximumAge = TimeSpan.FromHours(1) };
        options.Accounts.Add("ACC1");
        options.Strategies.Add("S1");
        options.Instruments["XYZ"] = new InstrumentOptions { TickSize = 0.01, LotSize = 1, Multiplier = 1 };
        var gate = new RiskGate(options, TimeProvider.System);
        account = gate.GetAccountId("ACC1");
        strategy = gate.GetStrategyId("S1");
        symbol = gate.GetSymbolId("XYZ");
        gate.UpdateReferencePrice(symbol, 100);
        return gate;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }

    /// <summary>Counts the appends (group commits) the journal makes.</summary>
    private sealed class CountingStore(ITradingJournalStore inner) : ITradingJournalStore
    {
        private long _appends;

        public long Appends => Interlocked.Read(ref _appends);

        public ValueTask<JournalAppendResult> AppendAsync(IReadOnlyList<JournalRecord> records, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _appends);
            return inner.AppendAsync(records, cancellationToken);
        }

        public ValueTask<IReadOnlyList<JournalRecord>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(afterSequence, limit, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
