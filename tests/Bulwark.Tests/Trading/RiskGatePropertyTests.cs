using Bulwark.Trading;
using CsCheck;

namespace Bulwark.Tests.Trading;

/// <summary>CsCheck properties of the gate: worst-case limits under concurrency, replay, idempotent fills, strict reducing.</summary>
public sealed class RiskGatePropertyTests
{
    private const long Limit = 20;

    // Kind: 0 buy, 1 sell, 2 fill part of an own working order, 3 cancel an own working order, 4 ack.
    private readonly record struct Op(int Kind, int Account, int Symbol, long Quantity, int Pick);

    private static readonly Gen<Op> GenOp = Gen.Select(Gen.Int[0, 4], Gen.Int[0, 1], Gen.Int[0, 1], Gen.Long[1, 8], Gen.Int[0, 1000],
        (kind, account, symbol, quantity, pick) => new Op(kind, account, symbol, quantity, pick));

    private sealed class Tracked(OrderRequest order)
    {
        public OrderRequest Order { get; } = order;

        public long Filled { get; set; }

        public bool Done { get; set; }

        public long Leaves => Done ? 0 : Order.Quantity - Filled;
    }

    private static TradingFixture TightFixture() => new(o =>
    {
        o.Firm.MaximumLongPosition = Limit;
        o.Firm.MaximumShortPosition = Limit;
        o.Firm.MaximumWorkingOrders = 6;
        o.Instruments[TradingFixture.OtherSymbol].LotSize = 1;
        o.Instruments[TradingFixture.OtherSymbol].TickSize = 0.01;
    });

    [Fact]
    public void ConcurrentOrdersFillsAndCancels_NeverLeaveTheWorstCaseOverItsLimit()
    {
        const int Threads = 3;
        GenOp.Array[50, 150].Array[Threads].Sample(plan =>
        {
            var f = TightFixture();
            var records = new List<Tracked>[Threads];
            var start = new Barrier(Threads + 1);
            var violations = 0;
            var workers = new Thread[Threads];
            for (var t = 0; t < Threads; t++)
            {
                var thread = t;
                records[t] = [];
                workers[t] = new Thread(() =>
                {
                    start.SignalAndWait(TimeSpan.FromSeconds(10));
                    Run(f, plan[thread], records[thread], baseId: (thread + 1) * 1_000_000L);
                });
                workers[t].Start();
            }

            start.SignalAndWait(TimeSpan.FromSeconds(10));

            // A monitor reads the gate's worst cases while the workers run (bounded in count and time).
            var deadline = TimeProvider.System.GetTimestamp() + (10 * TimeProvider.System.TimestampFrequency);
            for (var i = 0; i < 100_000 && workers.Any(w => w.IsAlive) && TimeProvider.System.GetTimestamp() < deadline; i++)
            {
                for (var a = 0; a < 2; a++)
                {
                    for (var y = 0; y < 2; y++)
                    {
                        var p = f.Gate.GetPosition(a, y);
                        if (p.WorstCaseLong > Limit || -p.WorstCaseShort > Limit)
                        {
                            Interlocked.Increment(ref violations);
                        }
                    }
                }
            }

            foreach (var w in workers)
            {
                Assert.True(w.Join(TimeSpan.FromSeconds(30)), "worker did not finish");
            }

            Assert.Equal(0, violations);

            // Independent of the gate's counters: from what the workers know was filled and is still working.
            var all = records.SelectMany(r => r).ToList();
            for (var a = 0; a < 2; a++)
            {
                for (var y = 0; y < 2; y++)
                {
                    var mine = all.Where(o => o.Order.Account == a && o.Order.Symbol == y).ToList();
                    var position = mine.Sum(o => o.Order.Side == OrderSide.Buy ? o.Filled : -o.Filled);
                    var workingBuys = mine.Where(o => o.Order.Side == OrderSide.Buy).Sum(o => o.Leaves);
                    var workingSells = mine.Where(o => o.Order.Side == OrderSide.Sell).Sum(o => o.Leaves);
                    Assert.True(position + workingBuys <= Limit, $"long worst case {position + workingBuys}");
                    Assert.True(-position + workingSells <= Limit, $"short worst case {-position + workingSells}");
                    var snapshot = f.Gate.GetPosition(a, y);
                    Assert.Equal(position, snapshot.Position);
                    Assert.Equal(position + workingBuys, snapshot.WorstCaseLong);
                    Assert.Equal(position - workingSells, snapshot.WorstCaseShort);
                }
            }

            // Every accepted order, checked alone on a fresh gate, is accepted too.
            foreach (var o in all)
            {
                var alone = new OrderRequest(o.Order.ClientOrderId, o.Order.Account, o.Order.Strategy, o.Order.Symbol, o.Order.Side, o.Order.Quantity, o.Order.Price);
                var freshGate = TightFixture();
                Assert.True(freshGate.Gate.Check(in alone).IsAccepted);
            }
        }, iter: 25, threads: 1);
    }

    [Fact]
    public void AcceptedOrders_ReplayedInOrderWithoutTheRejected_AreAllAcceptedAgain()
    {
        GenOp.Array[20, 200].Sample(ops =>
        {
            var first = TightFixture();
            var log = new List<(Op Op, Tracked? Order, bool Accepted, long Fill)>();
            var records = new List<Tracked>();
            var execution = 1L;
            foreach (var op in ops)
            {
                var before = records.Count;
                var (accepted, fill) = Step(first, op, records, 1, ref execution);
                log.Add((op, records.Count > before ? records[^1] : null, accepted, fill));
            }

            // Replay on a fresh gate: the same reports, the accepted orders only, in the same order.
            var second = TightFixture();
            var replayed = new List<Tracked>();
            var execution2 = 1L;
            foreach (var (op, order, accepted, _) in log)
            {
                if (op.Kind is 0 or 1)
                {
                    if (!accepted)
                    {
                        continue;
                    }

                    var request = order!.Order;
                    Assert.True(second.Gate.Check(in request).IsAccepted, $"order {request.ClientOrderId} accepted first, rejected on replay");
                    replayed.Add(new Tracked(request));
                }
                else
                {
                    Step(second, op, replayed, 1, ref execution2);
                }
            }

            for (var a = 0; a < 2; a++)
            {
                for (var y = 0; y < 2; y++)
                {
                    Assert.Equal(first.Gate.GetPosition(a, y), second.Gate.GetPosition(a, y));
                }
            }
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void AFillAppliedTwice_ChangesNothing()
    {
        GenOp.Array[10, 100].Select(Gen.Int[0, 99].Array[1, 10]).Sample(input =>
        {
            var (ops, repeats) = input;
            var once = TightFixture();
            var twice = TightFixture();
            var recordsOnce = new List<Tracked>();
            var recordsTwice = new List<Tracked>();
            long e1 = 1, e2 = 1;
            foreach (var op in ops)
            {
                Step(once, op, recordsOnce, 1, ref e1);
                var before = e2;
                var (_, fill) = Step(twice, op, recordsTwice, 1, ref e2);
                if (fill > 0 && repeats.Contains((int)(before % 100)))
                {
                    // The same execution again, now and later: the gate ignores it.
                    var order = recordsTwice.First(o => o.Order.ClientOrderId == LastFilled);
                    Assert.False(twice.Gate.OnFill(order.Order.ClientOrderId, before, fill, order.Order.Price));
                }
            }

            for (var a = 0; a < 2; a++)
            {
                for (var y = 0; y < 2; y++)
                {
                    Assert.Equal(once.Gate.GetPosition(a, y), twice.Gate.GetPosition(a, y));
                }
            }

            Assert.Equal(once.Gate.GetWorkingOrders().Order(), twice.Gate.GetWorkingOrders().Order());
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void Reducing_NeverLetsAPositionFlipOrGrow_FromAnyStartingPosition()
    {
        var gen = Gen.Select(
            Gen.Long[-50, 50],
            Gen.Select(Gen.Bool, Gen.Long[1, 30]).Array[0, 4],
            Gen.Select(Gen.Bool, Gen.Long[1, 60]).Array[1, 20],
            Gen.Int[0, 1_000_000]);
        gen.Sample(input =>
        {
            var (start, preexisting, orders, seed) = input;
            var f = new TradingFixture(o => { o.Firm.MaximumLongPosition = 1_000; o.Firm.MaximumShortPosition = 1_000; });
            f.Position(start);
            var working = new List<Tracked>();
            foreach (var (buy, quantity) in preexisting)
            {
                var order = buy ? f.Buy(quantity) : f.Sell(quantity);
                if (f.Check(order).IsAccepted)
                {
                    working.Add(new Tracked(order));
                }
            }

            // Orders accepted while Active may already be able to flip the position on their own; Reducing
            // cannot undo them (the engine cancels them), but it must then accept nothing more on that side.
            var earlier = working.ToList();
            var earlierWorst = start < 0
                ? start + earlier.Where(o => o.Order.Side == OrderSide.Buy).Sum(o => o.Order.Quantity)
                : -start + earlier.Where(o => o.Order.Side == OrderSide.Sell).Sum(o => o.Order.Quantity);
            f.Gate.SetTradingState(TradingScope.ForAccount(TradingFixture.Account), TradingState.Reducing, "test", "property");
            foreach (var (buy, quantity) in orders)
            {
                var order = buy ? f.Buy(quantity) : f.Sell(quantity);
                if (f.Check(order).IsAccepted)
                {
                    Assert.True(start != 0, "an order passed Reducing from a flat position");
                    Assert.True(buy == start < 0, "an order on the growing side passed Reducing");
                    Assert.True(earlierWorst + quantity <= 0, "an order passed Reducing although working orders could already flip the position");
                    earlierWorst += quantity;
                    working.Add(new Tracked(order));
                }
            }

            // Fill everything on the reducing side (new and earlier orders), in a random order and in parts.
            var random = new Random(seed);
            var reducing = working
                .Where(o => (o.Order.Side == OrderSide.Buy) == (start < 0))
                .Where(o => earlierWorst <= 0 || !earlier.Contains(o))
                .OrderBy(_ => random.Next()).ToList();
            var position = start;
            var execution = 1L;
            foreach (var o in reducing)
            {
                while (o.Leaves > 0)
                {
                    var part = Math.Min(o.Leaves, 1 + random.Next(10));
                    Assert.True(f.Gate.OnFill(o.Order.ClientOrderId, execution++, part, o.Order.Price));
                    o.Filled += part;
                    var next = f.Gate.GetPosition(f.A, f.Y).Position;
                    Assert.True(Math.Abs(next) <= Math.Abs(position), $"position grew from {position} to {next}");
                    Assert.True(next == 0 || Math.Sign(next) == Math.Sign(start), $"position flipped from {start} to {next}");
                    position = next;
                }
            }
        }, iter: 300, threads: 1);
    }

    [ThreadStatic]
    private static long t_lastFilled;

    private static long LastFilled => t_lastFilled;

    private static void Run(TradingFixture f, Op[] ops, List<Tracked> records, long baseId)
    {
        var execution = baseId;
        foreach (var op in ops)
        {
            Step(f, op, records, baseId, ref execution);
        }
    }

    /// <summary>One operation on the gate, keeping the caller's own record of its orders.</summary>
    private static (bool Accepted, long Fill) Step(TradingFixture f, Op op, List<Tracked> records, long baseId, ref long execution)
    {
        switch (op.Kind)
        {
            case 0 or 1:
            {
                var id = baseId + records.Count + 1;
                var side = op.Kind == 0 ? OrderSide.Buy : OrderSide.Sell;
                var order = new OrderRequest(id, op.Account, f.S, op.Symbol, side, op.Quantity, 100);
                var accepted = f.Gate.Check(in order).IsAccepted;
                if (accepted)
                {
                    records.Add(new Tracked(order));
                }

                return (accepted, 0);
            }

            case 2:
            {
                var open = records.Where(o => o.Leaves > 0).ToList();
                if (open.Count == 0)
                {
                    return (false, 0);
                }

                var target = open[op.Pick % open.Count];
                var part = Math.Min(target.Leaves, op.Quantity);
                var executionId = execution++;
                Assert.True(f.Gate.OnFill(target.Order.ClientOrderId, executionId, part, 100));
                target.Filled += part;
                if (target.Leaves == 0)
                {
                    target.Done = true;
                }

                t_lastFilled = target.Order.ClientOrderId;
                return (false, part);
            }

            case 3:
            {
                var open = records.Where(o => o.Leaves > 0).ToList();
                if (open.Count > 0)
                {
                    var target = open[op.Pick % open.Count];
                    Assert.True(f.Gate.OnCancel(target.Order.ClientOrderId));
                    target.Done = true;
                }

                return (false, 0);
            }

            default:
            {
                if (records.Count > 0)
                {
                    f.Gate.OnAck(records[op.Pick % records.Count].Order.ClientOrderId);
                }

                return (false, 0);
            }
        }
    }
}
