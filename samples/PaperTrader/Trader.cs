using System.Collections.Concurrent;
using System.Globalization;
using Bulwark;
using Bulwark.Etcd;
using Bulwark.Failover;
using Bulwark.PostgreSql;
using Bulwark.Trading;
using Bulwark.Trading.Journal;

namespace PaperTrader;

/// <summary>
/// The engine: a risk gate, its trading journal and safety bridge, a leader elector, the venue, the order loop, the
/// command file and the status lines. Every order goes gate check, journal (durable), venue, and the venue's answer
/// (ack, fill, refusal) goes back to the gate as an execution report. A check refused because a kill switch is engaged
/// (by this engine's gate or the server's) cancels every order working at the venue: the engine's side of the kill switch.
/// </summary>
internal sealed class Trader(TraderArguments settings, TimeProvider time) : IAsyncDisposable
{
    private const string Account = "paper";
    private const string Strategy = "demo";
    private const string Traded = "XYZ";
    private const double MarketPrice = 100.0;
    private const int MaximumInFlight = 256;

    private readonly VenueClient _venue = new(settings.Venue);
    private readonly HttpGate? _server = settings.Gate is { } gate ? new HttpGate(gate, Environment.GetEnvironmentVariable(HttpGate.KeyVariable)!) : null;
    private readonly SemaphoreSlim _inFlight = new(MaximumInFlight, MaximumInFlight);
    private readonly Dictionary<int, double> _marks = [];
    private readonly Lock _marksLock = new();
    private readonly TaskCompletionSource _rebuildStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _rebuildReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<long> _resting = new();
    private RiskGate _gate = null!;
    private TradingJournal? _journal;
    private ITradingJournalStore? _store;
    private TradingSafetyBridge? _bridge;
    private IEventStore? _events;
    private ILeaseCoordinator? _coordinator;
    private LeaderElector? _elector;
    private int _account;
    private int _strategy;
    private int _symbol;
    private long _nextId;
    private long _orderCount;
    private long _reconciledToken;
    private long _stretchStart;
    private long _stretchSent;
    private long _sent;
    private long _unsent;
    private long _lost;
    private long _cancelled;
    private int _cancellingAll;
    private int _exitCode;

    public async Task<int> RunAsync(CancellationToken stop)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var token = linked.Token;
        _coordinator = await OpenCoordinatorAsync(token);
        if (settings.Backend != "none" && _coordinator is null)
        {
            return 0; // stopped while the coordinator could not be opened
        }

        _gate = new RiskGate(GateOptions(), time);
        (_account, _strategy, _symbol) = (_gate.GetAccountId(Account), _gate.GetStrategyId(Strategy), _gate.GetSymbolId(Traded));
        Mark(_symbol, MarketPrice); // the price feed is up before the gate opens
        Mark(_gate.GetSymbolId("ABC"), 50);

        // Client order ids: unique across starts and replicas (start time in the high bits, a counter below).
        _nextId = (time.GetUtcNow().ToUnixTimeMilliseconds() % (1L << 37)) << 24;

        var commands = settings.CommandsPath is { } path ? Task.Run(() => RunCommandsAsync(path, token), CancellationToken.None) : Task.CompletedTask;
        if (settings.Journal is { } address)
        {
            // A journal that cannot be opened (the server down, the file busy while another process recovers it) is tried
            // again, as the coordinator is: the gate never opens without it, and the replica never leaves.
            while (_store is null)
            {
                try
                {
                    _store = await OpenJournalStoreAsync(address, token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Console.Error.WriteLine($"--journal: {address.Kind} journal not opened, retrying: {ex.Message}");
                    await Task.Delay(settings.Retry, token);
                }
            }

            if (settings.CommandsPath is not null)
            {
                // Commands already waiting in the file are checked while the journal rebuilds: what a restart in the
                // middle of a session faces. The rebuild's first read waits (bounded) until they have been.
                _store = new RebuildProbe(_store, _rebuildStarted, _rebuildReleased.Task);
            }
            else
            {
                _rebuildStarted.TrySetResult();
                _rebuildReleased.TrySetResult();
            }

            _journal = await TradingJournal.StartAsync(_gate, _store, new TradingJournalOptions { Writer = $"{settings.Replica}@{_nextId >> 24}" }, cancellationToken: token);
            Out($"rebuilt rows={_journal.RowsApplied}");
        }
        else
        {
            _rebuildStarted.TrySetResult();
            _rebuildReleased.TrySetResult();
        }

        _events = new PrintingEventStore();
        _bridge = new TradingSafetyBridge(_gate, _events, new TradingSafetyBridgeOptions { EvaluationInterval = settings.EvaluateInterval, FlushInterval = settings.EvaluateInterval });
        await _bridge.StartAsync(token);

        if (_coordinator is not null)
        {
            _elector = new LeaderElector(_coordinator, settings.Group, settings.Replica, new LeaderElectorOptions
            {
                Ttl = settings.Ttl,
                SafetyMargin = settings.Margin,
                RenewInterval = settings.Renew,
                RetryInterval = settings.Retry,
            });
            _elector.Changed += change => Out(FormattableString.Invariant(
                $"{(change.IsLeader ? "leader" : "follower")} token={change.Token?.Value} reason={change.Reason}"));
            _elector.BindTo(_gate);
            _journal?.Follow(_elector);
            await _elector.StartAsync(token);
        }

        Out($"started replica={settings.Replica} backend={settings.Backend} rate={settings.Rate.ToString(CultureInfo.InvariantCulture)} journal={settings.Journal?.Kind ?? "none"}");
        PrintStatus();
        var loops = new List<Task> { commands, Task.Run(() => StatusLoopAsync(linked), CancellationToken.None), Task.Run(() => FeedLoopAsync(token), CancellationToken.None) };
        if (settings.Rate > 0)
        {
            loops.Add(Task.Run(() => OrderLoopAsync(token), CancellationToken.None));
        }

        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // stopped
        }

        return _exitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_elector is not null)
        {
            await _elector.DisposeAsync();
        }

        if (_bridge is not null)
        {
            await _bridge.DisposeAsync();
        }

        if (_journal is not null)
        {
            await _journal.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_events is not null)
        {
            await _events.DisposeAsync();
        }

        if (_coordinator is not null)
        {
            await _coordinator.DisposeAsync();
        }

        _venue.Dispose();
        _server?.Dispose();
        _inFlight.Dispose();
    }

    private RiskGateOptions GateOptions()
    {
        var options = new RiskGateOptions { EnabledChecks = RiskChecks.MaximumOrderQuantity | RiskChecks.MaximumOrderNotional | RiskChecks.PriceCollar };
        options.Accounts.Add(Account);
        options.Strategies.Add(Strategy);
        options.Instruments[Traded] = new InstrumentOptions { TickSize = 0.01 };
        options.Instruments["ABC"] = new InstrumentOptions { TickSize = 0.01 };
        options.Firm = new RiskLimits { MaximumOrderQuantity = 1000, MaximumOrderNotional = 1_000_000, PriceCollarPercent = 5 };
        if (settings.DailyLoss is { } loss)
        {
            // The account's daily loss limit; the firm's loss and every drawdown are far away (a missing one is a breach).
            options.EnabledChecks |= RiskChecks.LossLimits;
            options.LossLimitState = TradingState.Reducing;
            options.Firm.MaximumDailyLoss = 1e12;
            options.Firm.MaximumDrawdown = 1e12;
            options.AccountLimits[Account] = new RiskLimits { MaximumDailyLoss = loss };
        }

        return options;
    }

    private async Task<ILeaseCoordinator?> OpenCoordinatorAsync(CancellationToken stop)
    {
        if (settings.Backend == "none")
        {
            return null;
        }

        // A coordinator that cannot be opened (down, or a SQLite file another replica holds locked) leaves this replica a
        // follower that keeps trying, as the elector does when an acquire fails: never leader, never gone.
        var address = settings.Coordinator!;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                return settings.Backend switch
                {
                    "sqlite" => await SqliteLeaseCoordinator.OpenAsync(address, cancellationToken: stop),
                    "postgres" => await PostgreSqlLeaseCoordinator.OpenAsync(address, stop),
                    _ => new EtcdLeaseCoordinator(address),
                };
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"coordinator not opened, retrying: {ex.Message}");
                await Task.Delay(settings.Retry, CancellationToken.None);
            }
        }

        return null;
    }

    private static async Task<ITradingJournalStore> OpenJournalStoreAsync(JournalAddress address, CancellationToken cancellationToken)
    {
        return address.Kind == "sqlite"
            ? await SqliteTradingJournalStore.OpenAsync(address.Target, cancellationToken)
            : await PostgreSqlTradingJournalStore.OpenAsync(address.Target, cancellationToken);
    }

    /// <summary>Orders at a steady rate while this replica leads, once the term's takeover is complete.</summary>
    private async Task OrderLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (_elector is not null)
            {
                if (_elector.Token is not { } term)
                {
                    await Task.Delay(5, stop);
                    continue;
                }

                if (term.Value != Interlocked.Read(ref _reconciledToken))
                {
                    await TakeOverAsync(term.Value, stop);
                    continue;
                }
            }
            else if (_stretchStart == 0)
            {
                StartStretch();
            }

            // Steady: as many orders as the rate says are due since the stretch began, at most a fifth of a second's worth at once.
            var elapsed = (double)(time.GetTimestamp() - _stretchStart) / time.TimestampFrequency;
            var expected = (long)(elapsed * settings.Rate);
            var burst = Math.Max(1, (long)(settings.Rate / 5));
            if (expected - Interlocked.Read(ref _orderCount) > burst)
            {
                Interlocked.Exchange(ref _orderCount, expected - burst);
            }

            while (Interlocked.Read(ref _orderCount) < expected && _inFlight.Wait(0))
            {
                Interlocked.Increment(ref _orderCount);
                var n = Interlocked.Read(ref _orderCount);
                var side = n % 3 == 0 ? OrderSide.Sell : OrderSide.Buy;

                // With --resting, one order in four is half a point away from the market: it rests at the venue.
                var price = settings.Resting > 0 && n % 4 == 0 ? MarketPrice + (side == OrderSide.Buy ? -0.5 : 0.5) : MarketPrice;
                _ = TrySend(_symbol, side, 1 + (n % 5), price, print: false, out _);
            }

            await Task.Delay(1, stop);
        }
    }

    private void StartStretch()
    {
        Interlocked.Exchange(ref _orderCount, 0);
        Interlocked.Exchange(ref _stretchSent, 0);
        Interlocked.Exchange(ref _stretchStart, time.GetTimestamp());
    }

    /// <summary>
    /// A new term: wait until the journal has read every row of the previous terms (the gate opens then), ask the venue
    /// for the state of every order still working (the old leader's last ones, whose reports may not have reached the
    /// journal), then report the position and begin trading.
    /// </summary>
    private async Task TakeOverAsync(long term, CancellationToken stop)
    {
        if (_journal is not null)
        {
            while (_journal.HoldReason is not null)
            {
                if (_elector!.Token?.Value != term)
                {
                    return;
                }

                await Task.Delay(1, stop);
            }
        }

        // Without a journal there is nothing inherited: this gate knows only its own orders.
        var inherited = _journal is null ? [] : _gate.GetWorkingOrders();
        int filled = 0, unknown = 0;
        foreach (var id in inherited)
        {
            VenueAnswer status;
            try
            {
                status = await _venue.StatusAsync(Account, id, stop);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                continue; // stays working; asked again at the next takeover
            }

            switch (status.State)
            {
                case "filled":
                    _gate.OnAck(id);
                    filled += _gate.OnFill(id, status.ExecutionId, status.Filled, status.FillPrice) ? 1 : 0;
                    break;
                case "refused":
                    _gate.OnReject(id);
                    await (_server?.ReportAsync("reject", id) ?? Task.CompletedTask);
                    break;
                case "working":
                    _gate.OnAck(id);
                    break;
                case "cancelled":
                    _gate.OnCancel(id);
                    await (_server?.ReportAsync("cancel", id) ?? Task.CompletedTask);
                    break;
                default:
                    // It never reached the venue: nothing of it can fill. The server's gate, which may have accepted it
                    // before the old leader stopped, hears so too, or it would hold the order's limits for ever.
                    _gate.OnCancel(id);
                    await (_server?.ReportAsync("cancel", id) ?? Task.CompletedTask);
                    unknown++;
                    break;
            }
        }

        var p = _gate.GetPosition(_account, _symbol);
        Out(FormattableString.Invariant($"takeover token={term} applied={_journal?.RowsApplied ?? 0} inherited={inherited.Count} filled={filled} unknown={unknown}"));
        Out(FormattableString.Invariant($"position account={Account} symbol={Traded} qty={p.Position} token={term} at=takeover"));
        Interlocked.Exchange(ref _reconciledToken, term);
        StartStretch();
    }

    /// <summary>Checks and journals one order and starts sending it; false (with why) when it was not sent.</summary>
    private Task? TrySend(int symbol, OrderSide side, long quantity, double price, bool print, out string outcome)
    {
        var order = new OrderRequest(Interlocked.Increment(ref _nextId), _account, _strategy, symbol, side, quantity, price);
        var decision = _gate.Check(order);
        var symbolName = symbol == _symbol ? Traded : "ABC";
        outcome = FormattableString.Invariant($"order id={order.ClientOrderId} symbol={symbolName} side={(side == OrderSide.Buy ? "buy" : "sell")} qty={quantity} price={price} ");
        if (!decision.IsAccepted)
        {
            if (decision.Reason == RiskRejectReason.KillSwitchEngaged)
            {
                CancelAllOnKillSwitch("this engine's gate");
            }

            outcome += $"decision=rejected reason={decision.Reason}";
            _inFlight.Release();
            return null;
        }

        if (_journal is not null && !_journal.RecordAccepted(order, decision))
        {
            outcome += "decision=rejected reason=NotJournaled";
            _inFlight.Release();
            return null;
        }

        outcome += "decision=accepted";
        return SendAsync(order, decision.FencingToken, print);
    }

    private async Task SendAsync(OrderRequest order, long term, bool print)
    {
        var id = order.ClientOrderId;
        try
        {
            // Durable before it is on the wire: an order the venue may fill is in the journal first.
            if (_journal is not null)
            {
                await _journal.FlushAsync();
                if (_journal.HoldReason is { } hold)
                {
                    Unsent(id, hold, print);
                    return;
                }
            }

            var leadership = _elector?.LeadershipToken ?? CancellationToken.None;
            if (_elector is not null && (_elector.Token?.Value != term || leadership.IsCancellationRequested))
            {
                Unsent(id, "leadership ended", print);
                return;
            }

            if (_server is not null && await _server.CheckAsync(Account, Strategy, SymbolName(order.Symbol), order.Side == OrderSide.Buy, order.Quantity, order.Price, id, leadership) is { } refused)
            {
                Unsent(id, refused, print);
                if (refused.EndsWith(nameof(RiskRejectReason.KillSwitchEngaged), StringComparison.Ordinal))
                {
                    CancelAllOnKillSwitch("the server's gate");
                }

                return;
            }

            if (settings.SendDelay > TimeSpan.Zero)
            {
                // Fault injection (--send-delay-ms): a slow path between the last leadership check and the wire, where a
                // pause lands in a real engine. Only a downstream fence catches what a paused process sends from here.
                await Task.Delay(settings.SendDelay, CancellationToken.None);
            }

            var answer = await _venue.SendAsync(Account, settings.Replica, Math.Max(0, term), id, order.Side == OrderSide.Buy, order.Quantity, order.Price, leadership);
            if (_server is not null)
            {
                await (answer.State switch
                {
                    "refused" => _server.ReportAsync("reject", id),
                    "filled" => _server.ReportAsync("ack", id).ContinueWith(_ => _server.ReportAsync("fill", id, answer.ExecutionId, answer.Filled, answer.FillPrice), TaskScheduler.Default).Unwrap(),
                    _ => _server.ReportAsync("ack", id),
                });
            }

            Interlocked.Increment(ref _sent);
            Interlocked.Increment(ref _stretchSent);
            switch (answer.State)
            {
                case "refused":
                    _gate.OnReject(id);
                    Print(print, $"refused id={id}");
                    break;
                case "filled":
                    _gate.OnAck(id);
                    _gate.OnFill(id, answer.ExecutionId, answer.Filled, answer.FillPrice);
                    Print(print, FormattableString.Invariant($"fill id={id} qty={answer.Filled} price={answer.FillPrice} exec={answer.ExecutionId}"));
                    break;
                default:
                    _gate.OnAck(id);
                    Print(print, $"working id={id}");
                    KeepRestingBounded(id);
                    break;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            // It may or may not have reached the venue. With a journal it stays working, and the next takeover asks the
            // venue; without one (paper trading against a venue that may not be there) nothing stays working.
            Interlocked.Increment(ref _lost);
            if (_journal is null)
            {
                _gate.OnCancel(id);
            }

            Print(print, $"lost id={id} error={ex.GetType().Name}");
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>With --resting, the oldest resting order is cancelled once more than that many work.</summary>
    private void KeepRestingBounded(long id)
    {
        if (settings.Resting == 0)
        {
            return;
        }

        _resting.Enqueue(id);
        while (_resting.Count > settings.Resting && _resting.TryDequeue(out var oldest))
        {
            _ = CancelAsync(oldest);
        }
    }

    /// <summary>
    /// A check refused for a kill switch: every order working at the venue is cancelled (cancels are never blocked). Each
    /// refusal while one runs is coalesced into it; a later refusal that still finds working orders (one sent in the
    /// instant of the engage) starts another.
    /// </summary>
    private void CancelAllOnKillSwitch(string by)
    {
        if (Interlocked.Exchange(ref _cancellingAll, 1) == 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    var working = _gate.GetWorkingOrders();
                    if (working.Count == 0)
                    {
                        return;
                    }

                    var cancelled = 0;
                    foreach (var id in working)
                    {
                        cancelled += await CancelAsync(id) ? 1 : 0;
                    }

                    Out($"cancel-all reason=KillSwitchEngaged by=\"{by}\" working={working.Count} cancelled={cancelled}");
                }
                finally
                {
                    Volatile.Write(ref _cancellingAll, 0);
                }
            }, CancellationToken.None);
        }
    }

    /// <summary>
    /// Cancels one order at the venue, then tells the gates what the venue says of it: cancelled, or filled when the cancel
    /// came too late. One the venue does not know yet (still on its way) is left working: its answer settles it.
    /// </summary>
    private async Task<bool> CancelAsync(long id)
    {
        VenueAnswer answer;
        try
        {
            answer = await _venue.CancelAsync(Account, id, CancellationToken.None);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false; // still working; the next cancel-all, or the next takeover's venue query, settles it
        }

        switch (answer.State)
        {
            case "cancelled":
                if (_gate.OnCancel(id))
                {
                    Interlocked.Increment(ref _cancelled);
                    if (_server is not null)
                    {
                        await _server.ReportAsync("cancel", id);
                    }
                }

                return true;
            case "filled":
                if (_gate.OnFill(id, answer.ExecutionId, answer.Filled, answer.FillPrice) && _server is not null)
                {
                    await _server.ReportAsync("fill", id, answer.ExecutionId, answer.Filled, answer.FillPrice);
                }

                return false;
            case "refused":
                _gate.OnReject(id);
                return false;
            default:
                return false;
        }
    }

    private void Unsent(long id, string why, bool print)
    {
        _gate.OnCancel(id);
        Interlocked.Increment(ref _unsent);
        Print(print, $"unsent id={id} why=\"{why}\"");
    }

    /// <summary>The command file, tailed: one command a line (see <see cref="ExecuteAsync"/>).</summary>
    private async Task RunCommandsAsync(string path, CancellationToken stop)
    {
        // Not one command before the gate is held by the journal's rebuild (or there is no journal): the gate is not
        // attached to it before then, and an order checked then would pass on an empty gate.
        await _rebuildStarted.Task.WaitAsync(stop);
        long offset = 0;
        var partial = "";
        var released = false;
        while (!stop.IsCancellationRequested)
        {
            var text = "";
            if (File.Exists(path))
            {
                await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.Position = offset;
                using var reader = new StreamReader(stream);
                text = await reader.ReadToEndAsync(stop);
                offset = stream.Position;
            }

            var lines = (partial + text).Split('\n');
            partial = lines[^1];
            foreach (var line in lines[..^1])
            {
                try
                {
                    await ExecuteAsync(line.Trim(), stop);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Out($"error command=\"{line.Trim()}\" message=\"{ex.Message}\"");
                }
            }

            if (!released)
            {
                released = true;
                _rebuildReleased.TrySetResult();
            }

            await Task.Delay(20, stop);
        }
    }

    /// <summary>
    /// <c>buy|sell SYMBOL QTY PRICE</c>, <c>burst N</c> (N orders of 1 at the market, buy and sell in turn, at once),
    /// <c>mark SYMBOL PRICE</c>, <c>halt|reduce|resume SCOPE WHO WHY...</c>, <c>flush</c>, <c>status</c>.
    /// </summary>
    private async Task ExecuteAsync(string line, CancellationToken stop)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || words[0].StartsWith('#'))
        {
            return;
        }

        switch (words[0])
        {
            case "buy" or "sell" when words.Length == 4:
                await _inFlight.WaitAsync(stop);
                var sending = TrySend(Symbol(words[1]), words[0] == "buy" ? OrderSide.Buy : OrderSide.Sell, Quantity(words[2]), Price(words[3]), print: true, out var outcome);
                Out(outcome);
                if (sending is not null)
                {
                    await sending;
                }

                break;
            case "burst" when words.Length == 2:
                var count = Quantity(words[1]);
                var sends = new List<Task>();
                var accepted = 0;
                for (var i = 0; i < count; i++)
                {
                    await _inFlight.WaitAsync(stop);
                    if (TrySend(_symbol, i % 2 == 0 ? OrderSide.Buy : OrderSide.Sell, 1, MarketPrice, print: false, out _) is { } task)
                    {
                        sends.Add(task);
                        accepted++;
                    }
                }

                await Task.WhenAll(sends);
                Out($"burst orders={count} accepted={accepted}");
                break;
            case "mark" when words.Length == 3:
                Mark(Symbol(words[1]), Price(words[2]));
                Out($"mark symbol={words[1]} price={words[2]}");
                break;
            case "halt" or "reduce" or "resume" when words.Length >= 4:
                if (!TradingScope.TryParse(words[1], out var scope))
                {
                    throw new ArgumentException($"scope: must be firm, account:NAME, strategy:NAME or symbol:NAME, got '{words[1]}'");
                }

                var state = words[0] switch { "halt" => TradingState.Halted, "reduce" => TradingState.Reducing, _ => TradingState.Active };
                _gate.SetTradingState(scope, state, words[2], string.Join(' ', words[3..]));
                Out($"manual scope={scope} state={state} by={words[2]}");
                break;
            case "flush":
                if (_journal is not null)
                {
                    await _journal.FlushAsync(stop);
                }

                Out($"durable pending={_journal?.Pending ?? 0}");
                break;
            case "status":
                PrintStatus();
                break;
            default:
                throw new ArgumentException("unknown command (buy|sell SYMBOL QTY PRICE, burst N, mark SYMBOL PRICE, halt|reduce|resume SCOPE WHO WHY, flush, status)");
        }
    }

    private string SymbolName(int symbol) => symbol == _symbol ? Traded : "ABC";

    private int Symbol(string name) =>
        _gate.GetSymbolId(name) is >= 0 and var id ? id : throw new ArgumentException($"symbol: unknown '{name}' (XYZ or ABC)");

    private static long Quantity(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var q) && q is > 0 and <= 100_000 ? q : throw new ArgumentException($"quantity: must be 1 to 100000, got '{text}'");

    private static double Price(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && double.IsFinite(p) && p > 0 ? p : throw new ArgumentException($"price: must be a positive number, got '{text}'");

    private void Mark(int symbol, double price)
    {
        lock (_marksLock)
        {
            _marks[symbol] = price;
        }

        _gate.UpdateReferencePrice(symbol, price);
    }

    /// <summary>The price feed: every mark fed again each evaluation, so none goes stale while the engine runs.</summary>
    private async Task FeedLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(settings.EvaluateInterval, stop);
            KeyValuePair<int, double>[] marks;
            lock (_marksLock)
            {
                marks = [.. _marks];
            }

            foreach (var (symbol, price) in marks)
            {
                _gate.UpdateReferencePrice(symbol, price);
                if (_server is not null)
                {
                    await _server.MarkAsync(SymbolName(symbol), price, stop);
                }
            }
        }
    }

    /// <summary>The status lines every interval; a deposed replica whose journal rows were refused exits to be rebuilt.</summary>
    private async Task StatusLoopAsync(CancellationTokenSource stopAll)
    {
        var stop = stopAll.Token;
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(settings.StatusInterval, stop);
            PrintStatus();
            if (_journal is { RefusedAsStale: > 0 } journal)
            {
                // Its gate holds reports the journal refused (a newer term owns it): trading on it again would trade on
                // positions nobody else has. Let what is in flight come back (bounded), then exit; a restart rebuilds.
                Out($"deposed refused={journal.RefusedAsStale} reason=\"{journal.HoldReason}\"");
                for (var i = 0; i < 200 && _inFlight.CurrentCount < MaximumInFlight; i++)
                {
                    await Task.Delay(10, CancellationToken.None);
                }

                await journal.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
                Out($"journal refused={journal.RefusedAsStale} applied={journal.RowsApplied} pending={journal.Pending} final=true");
                _exitCode = 3;
                await stopAll.CancelAsync();
                return;
            }
        }
    }

    private void PrintStatus()
    {
        var p = _gate.GetPosition(_account, _symbol);
        var term = _elector?.Token?.Value ?? 0;
        Out(FormattableString.Invariant($"position account={Account} symbol={Traded} qty={p.Position} avg={p.AveragePrice:0.####} token={term}"));
        var working = _gate.GetWorkingOrders().Order().ToList();
        Out($"working count={working.Count} ids={string.Join(',', working.Take(100))}");
        foreach (var scope in new[] { TradingScope.Firm, TradingScope.ForAccount(Account), TradingScope.ForStrategy(Strategy), TradingScope.ForSymbol(Traded), TradingScope.ForSymbol("ABC") })
        {
            Out($"state scope={scope} state={_gate.GetTradingState(scope)}");
        }

        if (_journal is { } journal)
        {
            Out($"journal refused={journal.RefusedAsStale} applied={journal.RowsApplied} pending={journal.Pending} hold=\"{journal.HoldReason ?? "none"}\"");
        }

        var seconds = _stretchStart == 0 ? 0 : (double)(time.GetTimestamp() - _stretchStart) / time.TimestampFrequency;
        Out(FormattableString.Invariant(
            $"rate token={term} sent={Interlocked.Read(ref _stretchSent)} seconds={seconds:0.###} per_second={(seconds > 0 ? Interlocked.Read(ref _stretchSent) / seconds : 0):0.#} total_sent={Interlocked.Read(ref _sent)} unsent={Interlocked.Read(ref _unsent)} lost={Interlocked.Read(ref _lost)} cancelled={Interlocked.Read(ref _cancelled)}"));
    }

    private static void Print(bool print, string line)
    {
        if (print)
        {
            Out(line);
        }
    }

    private static void Out(string line) => Console.Out.WriteLine(line);
}
