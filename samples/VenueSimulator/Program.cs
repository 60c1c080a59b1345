using System.Globalization;
using System.Text.Json;

// A venue that checks fencing tokens: it keeps the highest token seen per account, refuses any order with an
// older one, and logs every order (accepted or not) with its token, replica and arrival time, one JSON line each.
// Usage: VenueSimulator --port PORT --log FILE        (listens on 127.0.0.1 only)
var port = int.Parse(Arg(args, "--port") ?? "0", CultureInfo.InvariantCulture);
var logPath = Arg(args, "--log") ?? "venue.log";

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
var app = builder.Build();

var venue = new Venue(logPath, TimeProvider.System);
app.MapPost("/orders", async (HttpRequest request) =>
{
    var order = await JsonSerializer.DeserializeAsync<Order>(request.Body, VenueJson.Options);
    if (order is null || string.IsNullOrEmpty(order.Account) || string.IsNullOrEmpty(order.Replica))
    {
        return Results.BadRequest();
    }

    var (accepted, highest) = venue.Submit(order);
    return accepted ? Results.Ok(new { accepted, highest }) : Results.Json(new { accepted, highest }, statusCode: 409);
});
app.MapGet("/health", () => "ok");
app.Lifetime.ApplicationStopping.Register(venue.Dispose);
await app.StartAsync();
Console.WriteLine(FormattableString.Invariant($"listening on {app.Urls.First()}"));
await app.WaitForShutdownAsync();

static string? Arg(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

internal sealed record Order(string Account, string Replica, long Token, long OrderId);

internal sealed record LogLine(long ArrivalUnixMs, long Seq, string Account, string Replica, long Token, long OrderId, bool Accepted, long Highest);

internal static class VenueJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

/// <summary>The fencing check and the log, under one lock, so the log's order is the order of decisions.</summary>
internal sealed class Venue(string logPath, TimeProvider time) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _highest = new(StringComparer.Ordinal);
    private readonly StreamWriter _log = new(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    private long _seq;

    public (bool Accepted, long Highest) Submit(Order order)
    {
        lock (_gate)
        {
            var highest = _highest.GetValueOrDefault(order.Account);
            var accepted = order.Token >= highest;
            if (accepted)
            {
                highest = order.Token;
                _highest[order.Account] = highest;
            }

            var line = new LogLine(time.GetUtcNow().ToUnixTimeMilliseconds(), ++_seq, order.Account, order.Replica, order.Token, order.OrderId, accepted, highest);
            _log.WriteLine(JsonSerializer.Serialize(line, VenueJson.Options));
            return (accepted, highest);
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
