using System.Text.Json;

namespace Bulwark.Nemesis.Tests;

/// <summary>
/// One line of the venue simulator's log. <see cref="Accepted"/> is what the venue did (an unfenced venue accepts all);
/// <see cref="Fenced"/> what a fencing venue decides for the same order at the same point of the same stream (null in a
/// log written before the venue logged it). <see cref="Filled"/> is the quantity that filled on arrival (0: it rested or
/// was refused), signed by <see cref="Side"/>.
/// </summary>
internal sealed record VenueOrder(
    long ArrivalUnixMs, long Seq, string Account, string Replica, long Token, long OrderId, bool Accepted, long Highest,
    bool? Fenced = null, string Side = "buy", long Quantity = 1, double Price = 100, long Filled = 0, double FillPrice = 0, long ExecutionId = 0)
{
    /// <summary>The fill's effect on the position: bought positive, sold negative.</summary>
    public long SignedFill => Side == "sell" ? -Filled : Filled;
}

/// <summary>
/// The checker, over the venue's log (the history, Jepsen-style): no order accepted with a token older than one
/// already seen, and no two terms' accepted orders overlapping in time.
/// </summary>
internal static class VenueLog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The complete lines after <paramref name="offset"/>, which moves past them (a half-written last line waits).</summary>
    public static IReadOnlyList<VenueOrder> Read(string path, ref long offset)
    {
        var orders = new List<VenueOrder>();
        if (!File.Exists(path))
        {
            return orders;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Position = offset;
        var bytes = new byte[stream.Length - offset];
        stream.ReadExactly(bytes);
        var end = Array.LastIndexOf(bytes, (byte)'\n');
        if (end < 0)
        {
            return orders;
        }

        foreach (var line in System.Text.Encoding.UTF8.GetString(bytes, 0, end).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            orders.Add(JsonSerializer.Deserialize<VenueOrder>(line, Json)!);
        }

        offset += end + 1;
        return orders;
    }

    /// <summary>Accepted orders whose token is below the largest token accepted before them (by arrival order).</summary>
    public static IReadOnlyList<VenueOrder> StaleAccepted(IEnumerable<VenueOrder> orders)
    {
        var stale = new List<VenueOrder>();
        var highest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var order in orders.OrderBy(o => o.Seq).Where(o => o.Accepted))
        {
            if (order.Token < highest.GetValueOrDefault(order.Account))
            {
                stale.Add(order);
            }

            highest[order.Account] = Math.Max(order.Token, highest.GetValueOrDefault(order.Account));
        }

        return stale;
    }

    /// <summary>
    /// Pairs of terms (token, replica) whose accepted orders overlap: a term's first accepted order arrives before
    /// another term's last one, in either order. Empty when leadership passed cleanly from one term to the next.
    /// </summary>
    public static IReadOnlyList<string> Overlaps(IEnumerable<VenueOrder> orders)
    {
        var terms = orders.Where(o => o.Accepted)
            .GroupBy(o => (o.Token, o.Replica))
            .Select(g => (g.Key.Token, g.Key.Replica, First: g.Min(o => o.Seq), Last: g.Max(o => o.Seq)))
            .OrderBy(t => t.First)
            .ToList();
        var overlaps = new List<string>();
        for (var i = 1; i < terms.Count; i++)
        {
            // Against every earlier term, not only the previous one: a term could outlast several successors.
            var latest = terms.Take(i).MaxBy(t => t.Last);
            if (terms[i].First < latest.Last)
            {
                overlaps.Add($"term {latest.Token} ({latest.Replica}) seq {latest.First}-{latest.Last} overlaps term {terms[i].Token} ({terms[i].Replica}) seq {terms[i].First}-{terms[i].Last}");
            }
        }

        return overlaps;
    }

    /// <summary>
    /// From the raw log, whatever the venue answered (a venue with no fencing check accepts them all): every order of a
    /// deposed term that arrived after the first order of a newer term, for the same account. This is the split-brain
    /// count that does not trust the venue's own rule: a fencing venue should refuse exactly these.
    /// </summary>
    public static IReadOnlyList<VenueOrder> DeposedArrivals(IEnumerable<VenueOrder> orders)
    {
        var late = new List<VenueOrder>();
        var newest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var order in orders.OrderBy(o => o.Seq))
        {
            var seen = newest.GetValueOrDefault(order.Account);
            if (order.Token < seen)
            {
                late.Add(order);
            }
            else
            {
                newest[order.Account] = order.Token;
            }
        }

        return late;
    }

    /// <summary>
    /// Each term of at least a second at the venue: its orders over the time from its first arrival to its last, and the
    /// fewest orders that arrived in any whole second inside it (how steady the rate was).
    /// </summary>
    public static IReadOnlyList<(long Token, double PerSecond, int SlowestSecond)> TermRates(IEnumerable<VenueOrder> orders) =>
        [.. orders.Where(o => o.Token > 0).GroupBy(o => o.Token).Select(g =>
        {
            var arrivals = g.Select(o => o.ArrivalUnixMs).Order().ToArray();
            var seconds = (arrivals[^1] - arrivals[0]) / 1000.0;
            var slowest = int.MaxValue;
            for (var start = arrivals[0]; start + 1000 <= arrivals[^1]; start += 100)
            {
                slowest = Math.Min(slowest, arrivals.Count(a => a >= start && a < start + 1000));
            }

            return (Token: g.Key, PerSecond: seconds > 0 ? arrivals.Length / seconds : 0, SlowestSecond: slowest, Seconds: seconds);
        }).Where(t => t.Seconds >= 1).Select(t => (t.Token, t.PerSecond, t.SlowestSecond))];

    /// <summary>
    /// Orders on which the venue's fencing decision (real, or logged by an unfenced venue) and the checker disagree: a
    /// deposed arrival the fence let through, or an order it refused that was no deposed arrival. Empty when the venue
    /// refuses as stale exactly the orders the checker counts from the raw log.
    /// </summary>
    public static IReadOnlyList<VenueOrder> FenceDisagreements(IEnumerable<VenueOrder> orders)
    {
        var list = orders.OrderBy(o => o.Seq).ToList();
        var late = DeposedArrivals(list).Select(o => o.Seq).ToHashSet();
        return [.. list.Where(o => (o.Fenced ?? o.Accepted) == late.Contains(o.Seq))];
    }

    /// <summary>
    /// The position a leader of term <paramref name="term"/> must start from: every fill of an order of an older term
    /// that a fencing venue would have accepted (a deposed term's late order is not one of them: the fenced journal refuses
    /// its reports too, and a fencing venue refuses the order itself), signed, for <paramref name="account"/>.
    /// </summary>
    public static long PositionBefore(IEnumerable<VenueOrder> orders, long term, string account = "paper") =>
        orders.Where(o => o.Account == account && o.Token < term && o.Accepted && (o.Fenced ?? true)).Sum(o => o.SignedFill);
}
