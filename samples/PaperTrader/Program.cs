using System.Globalization;
using System.Net.Http.Json;
using Bulwark.Etcd;
using Bulwark.Failover;
using Bulwark.PostgreSql;
using Bulwark.Trading;

// A paper-trading engine, one replica of a failover group. While it leads, it sends an order every few
// milliseconds through the risk gate (which rejects it when leadership is not held) to the venue, stamped with the
// term's fencing token. Usage:
//   PaperTrader --replica ID --backend sqlite|postgres|etcd --coordinator FILE|CONNSTR|ENDPOINTS --venue URL
//               [--group engines] [--ttl-ms 1000] [--margin-ms 300] [--renew-ms 200] [--retry-ms 50] [--interval-ms 5]
// Supervised by Bulwark (recovery.processes with replicas: N), each copy gets BULWARK_REPLICA=i and is replica ID.i.
var replica = Arg("--replica") ?? throw new ArgumentException("--replica is required");
if (Environment.GetEnvironmentVariable("BULWARK_REPLICA") is { Length: > 0 } index)
{
    replica = $"{replica}.{index}";
}

var backend = Arg("--backend") ?? "sqlite";
var coordinatorAddress = Arg("--coordinator") ?? throw new ArgumentException("--coordinator is required");
var venue = new Uri(Arg("--venue") ?? throw new ArgumentException("--venue is required"));
var group = Arg("--group") ?? "engines";
var timing = new LeaderElectorOptions
{
    Ttl = TimeSpan.FromMilliseconds(Number("--ttl-ms", 1000)),
    SafetyMargin = TimeSpan.FromMilliseconds(Number("--margin-ms", 300)),
    RenewInterval = TimeSpan.FromMilliseconds(Number("--renew-ms", 200)),
    RetryInterval = TimeSpan.FromMilliseconds(Number("--retry-ms", 50)),
};
var interval = TimeSpan.FromMilliseconds(Number("--interval-ms", 5));

if (backend is not ("sqlite" or "postgres" or "etcd"))
{
    throw new ArgumentException($"--backend must be sqlite, postgres or etcd, got '{backend}'");
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

// A coordinator that cannot be opened (down, or a SQLite file another replica holds locked) leaves this replica a
// follower that keeps trying, as the elector does when an acquire fails: never leader, never gone.
ILeaseCoordinator? opened = null;
while (opened is null && !stop.IsCancellationRequested)
{
    try
    {
        opened = backend switch
        {
            "sqlite" => await SqliteLeaseCoordinator.OpenAsync(coordinatorAddress, cancellationToken: stop.Token),
            "postgres" => await PostgreSqlLeaseCoordinator.OpenAsync(coordinatorAddress, cancellationToken: stop.Token),
            _ => new EtcdLeaseCoordinator(coordinatorAddress),
        };
    }
    catch (Exception ex) when (!stop.IsCancellationRequested)
    {
        Console.Error.WriteLine($"coordinator not opened, retrying: {ex.Message}");
        await Task.Delay(timing.RetryInterval, CancellationToken.None);
    }
    catch (OperationCanceledException)
    {
        break; // stopped while opening
    }
}

if (opened is not { } coordinator)
{
    return 0;
}

var options = new RiskGateOptions { EnabledChecks = RiskChecks.MaximumOrderQuantity | RiskChecks.MaximumOrderNotional | RiskChecks.PriceCollar };
options.Accounts.Add("paper");
options.Strategies.Add("demo");
options.Instruments["XYZ"] = new InstrumentOptions { TickSize = 0.01 };
options.Firm = new RiskLimits { MaximumOrderQuantity = 100, MaximumOrderNotional = 1_000_000, PriceCollarPercent = 5 };
var gate = new RiskGate(options);
int account = gate.GetAccountId("paper"), strategy = gate.GetStrategyId("demo"), symbol = gate.GetSymbolId("XYZ");

await using var elector = new LeaderElector(coordinator, group, replica, timing);
elector.Changed += change => Console.WriteLine(FormattableString.Invariant(
    $"{(change.IsLeader ? "leader" : "follower")} token={change.Token?.Value} reason={change.Reason}"));
elector.BindTo(gate);

using var http = new HttpClient { BaseAddress = venue, Timeout = TimeSpan.FromSeconds(2) };
await elector.StartAsync();
Console.WriteLine($"started replica={replica} backend={backend}");

// Client order ids: unique per process start (time-based high bits), so restarts never reuse one.
var nextId = (TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds() % 1_000_000_000) * 1000;
while (!stop.IsCancellationRequested)
{
    gate.UpdateReferencePrice(symbol, 100.0);
    var order = new OrderRequest(++nextId, account, strategy, symbol, OrderSide.Buy, 1, 100.0);
    var decision = gate.Check(order);
    if (decision.IsAccepted)
    {
        try
        {
            // The order is abandoned the moment leadership ends; one already on the wire is the venue's to fence.
            using var response = await http.PostAsJsonAsync(
                "/orders", new { account = "paper", replica, token = decision.FencingToken, orderId = order.ClientOrderId }, elector.LeadershipToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            // The venue's log is the record; a lost order is simply not in it.
        }

        gate.OnCancel(order.ClientOrderId); // paper: nothing stays working
    }

    try
    {
        await Task.Delay(interval, stop.Token);
    }
    catch (OperationCanceledException)
    {
        break;
    }
}

await elector.StopAsync();
await coordinator.DisposeAsync();
return 0;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

double Number(string name, double fallback) =>
    Arg(name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;
