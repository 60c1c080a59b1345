using System.Globalization;
using System.Text.Json;
using VenueSimulator;

// A venue. It keeps a market price; an accepted limit order that crosses it (a buy at or above, a sell at or below)
// fills in full at the market price, one that does not rests as a working order (acknowledged only). Every order is
// logged, one JSON line each, with its token, replica, arrival time, the venue's answer and what a fencing venue
// would have answered (`fenced`: the token is at least the highest seen for the account).
//   fencing (default): refuses an order whose token is older than the highest seen for its account (409);
//   --unfenced:        accepts every order, as a real venue does (it knows nothing of fencing tokens).
// Usage: VenueSimulator --port PORT --log FILE [--unfenced] [--price 100]      (listens on 127.0.0.1 only)
//   POST /orders {account, replica, token, orderId, side: buy|sell, quantity, price}
//   GET  /orders/{account}/{orderId}   the order's state: unknown, refused, working, filled or cancelled (a drop copy)
//   POST /orders/{account}/{orderId}/cancel   cancels a working order; answers the order's state after it (a cancel
//                                             that comes too late finds it filled). Cancels are printed, not logged:
//                                             the log is the stream of new orders the nemesis checks.
if (VenueArguments.Parse(args) is not { } settings)
{
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, settings.Port));
var app = builder.Build();

var venue = new Venue(settings.LogPath, settings.Unfenced, settings.MarketPrice, TimeProvider.System);
app.MapPost("/orders", async (HttpRequest request) =>
{
    Order? order;
    try
    {
        order = await JsonSerializer.DeserializeAsync<Order>(request.Body, VenueJson.Options);
    }
    catch (JsonException ex)
    {
        return Results.BadRequest(new { error = ex.Message });
    }

    if (order?.Validate() is { } error)
    {
        return Results.BadRequest(new { error });
    }

    var line = venue.Submit(order!);
    return line.Accepted ? Results.Ok(line) : Results.Json(line, statusCode: 409);
});
app.MapGet("/orders/{account}/{orderId:long}", (string account, long orderId) => Results.Ok(venue.Status(account, orderId)));
app.MapPost("/orders/{account}/{orderId:long}/cancel", (string account, long orderId) =>
{
    var status = venue.Cancel(account, orderId);
    Console.WriteLine(FormattableString.Invariant($"cancel account={account} id={orderId} state={status.State}"));
    return Results.Ok(status);
});
app.MapGet("/health", () => "ok");
app.Lifetime.ApplicationStopping.Register(venue.Dispose);
await app.StartAsync();
Console.WriteLine(FormattableString.Invariant($"listening on {app.Urls.First()} fencing={(settings.Unfenced ? "off" : "on")} price={settings.MarketPrice}"));
await app.WaitForShutdownAsync();
return 0;

namespace VenueSimulator
{
    /// <summary>The command line, validated whole: every error names its argument.</summary>
    internal sealed record VenueArguments(int Port, string LogPath, bool Unfenced, double MarketPrice)
    {
        public static VenueArguments? Parse(string[] args)
        {
            var errors = new List<string>();
            var known = new HashSet<string>(StringComparer.Ordinal) { "--port", "--log", "--unfenced", "--price" };
            foreach (var a in args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && !known.Contains(a)))
            {
                errors.Add($"{a}: unknown argument (known: {string.Join(", ", known)})");
            }

            var port = 0;
            if (Value(args, "--port") is { } p && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535))
            {
                errors.Add($"--port: must be a port number 0 to 65535, got '{p}'");
            }

            var price = 100.0;
            if (Value(args, "--price") is { } text && (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out price) || !double.IsFinite(price) || price <= 0))
            {
                errors.Add($"--price: must be a positive number, got '{text}'");
            }

            var log = Value(args, "--log") ?? "venue.log";
            if (string.IsNullOrWhiteSpace(log))
            {
                errors.Add("--log: must be a file path");
            }

            foreach (var error in errors)
            {
                Console.Error.WriteLine("error: " + error);
            }

            return errors.Count == 0 ? new VenueArguments(port, log, args.Contains("--unfenced"), price) : null;
        }

        private static string? Value(string[] args, string name)
        {
            var i = Array.IndexOf(args, name);
            return i < 0 ? null : i + 1 < args.Length ? args[i + 1] : "";
        }
    }

    internal sealed record Order(string Account, string Replica, long Token, long OrderId, string? Side, long? Quantity, double? Price)
    {
        public bool Buy => Side is null or "buy";

        public string? Validate() =>
            string.IsNullOrEmpty(Account) ? "account: required" :
            string.IsNullOrEmpty(Replica) ? "replica: required" :
            OrderId <= 0 ? "orderId: must be positive" :
            Side is not (null or "buy" or "sell") ? "side: must be buy or sell" :
            Quantity is <= 0 ? "quantity: must be positive" :
            Price is { } p && !(double.IsFinite(p) && p > 0) ? "price: must be a positive number" :
            null;
    }

    /// <summary>
    /// One log line (and the answer to the order). <c>Accepted</c> is what this venue did; <c>Fenced</c> is what a
    /// fencing venue decides for the same order at the same point in the same stream (equal to Accepted when fencing).
    /// </summary>
    internal sealed record LogLine(
        long ArrivalUnixMs, long Seq, string Account, string Replica, long Token, long OrderId, bool Accepted, long Highest,
        bool Fenced, string Side, long Quantity, double Price, long Filled, double FillPrice, long ExecutionId);

    /// <summary>An order's state at the venue, as a drop copy gives it.</summary>
    internal sealed record OrderStatus(string State, long Filled, double FillPrice, long ExecutionId);

    internal static class VenueJson
    {
        public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
    }

    /// <summary>The fencing decision, the book and the log, under one lock, so the log's order is the order of decisions.</summary>
    internal sealed class Venue(string logPath, bool unfenced, double marketPrice, TimeProvider time) : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, long> _highest = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Account, long OrderId), OrderStatus> _orders = [];
        private readonly StreamWriter _log = new(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        private long _seq;

        public LogLine Submit(Order order)
        {
            lock (_gate)
            {
                var highest = _highest.GetValueOrDefault(order.Account);
                var fenced = order.Token >= highest;
                if (fenced)
                {
                    highest = order.Token;
                    _highest[order.Account] = highest;
                }

                var accepted = unfenced || fenced;
                var seq = ++_seq;
                var price = order.Price ?? marketPrice;
                var quantity = order.Quantity ?? 1;
                var crosses = order.Buy ? price >= marketPrice : price <= marketPrice;
                var status = !accepted ? new OrderStatus("refused", 0, 0, 0)
                    : crosses ? new OrderStatus("filled", quantity, marketPrice, seq)
                    : new OrderStatus("working", 0, 0, 0);
                _orders[(order.Account, order.OrderId)] = status;
                var line = new LogLine(time.GetUtcNow().ToUnixTimeMilliseconds(), seq, order.Account, order.Replica, order.Token, order.OrderId,
                    accepted, highest, fenced, order.Buy ? "buy" : "sell", quantity, price, status.Filled, status.FillPrice, status.ExecutionId);
                _log.WriteLine(JsonSerializer.Serialize(line, VenueJson.Options));
                return line;
            }
        }

        public OrderStatus Status(string account, long orderId)
        {
            lock (_gate)
            {
                return _orders.GetValueOrDefault((account, orderId)) ?? new OrderStatus("unknown", 0, 0, 0);
            }
        }

        /// <summary>A working order becomes cancelled; any other is left as it is (and its state returned).</summary>
        public OrderStatus Cancel(string account, long orderId)
        {
            lock (_gate)
            {
                if (_orders.GetValueOrDefault((account, orderId)) is not { } status)
                {
                    return new OrderStatus("unknown", 0, 0, 0);
                }

                if (status.State != "working")
                {
                    return status;
                }

                var cancelled = status with { State = "cancelled" };
                _orders[(account, orderId)] = cancelled;
                return cancelled;
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _log.Dispose();
            }
        }
    }
}
