using Bulwark.Tests.TestSupport;
using Bulwark.Trading;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Tests.Trading;

/// <summary>
/// The gate against a reference model: random sequences of new orders, replaces, acks, partial fills (out of order, late
/// after a cancel, duplicated), cancels, rejects, and kill-switch engages and releases at firm and account scope. After
/// every step the gate's decision, its answer to each report, its cancel-all list and every total (positions, worst
/// cases, gross and net exposure, working count and notional) equal the model's, and no filled-plus-working figure is
/// over a limit. The model is written from the limits' definitions, not from the gate's code: gross exposure is the
/// largest absolute position any order of fills can reach, <c>max(P + B, S - P)</c> per symbol, priced.
/// </summary>
public sealed class RiskGateModelTests
{
    /// <summary>Sequences tried per run (stated in docs/trading.md).</summary>
    public const int Sequences = 400;

    private const long PositionLimit = 50;
    private const double GrossLimit = 6_000;
    private const double NetLimit = 4_000;
    private const long WorkingLimit = 6;
    private const double WorkingNotionalLimit = 5_000;
    private static readonly double[] Prices = [100, 20];

    // Kind: 0 buy, 1 sell, 2 replace, 3 ack, 4 fill (partial or whole), 5 late fill of a done order, 6 the last fill again,
    // 7 cancel, 8 reject, 9 engage, 10 release, 11 a new order reusing an id.
    private readonly record struct Op(int Kind, int Account, int Symbol, long Quantity, int Pick, bool FirmScope);

    private static readonly Gen<Op> GenOp = Gen.Select(
        Gen.Frequency((6, Gen.Int[0, 1]), (2, Gen.Const(2)), (2, Gen.Const(3)), (5, Gen.Const(4)), (1, Gen.Const(5)), (1, Gen.Const(6)),
            (3, Gen.Const(7)), (1, Gen.Const(8)), (1, Gen.Const(9)), (1, Gen.Const(10)), (1, Gen.Const(11))),
        Gen.Int[0, 1], Gen.Int[0, 1], Gen.Long[1, 30], Gen.Int[0, 1000], Gen.Bool,
        (kind, account, symbol, quantity, pick, firm) => new Op(kind, account, symbol, quantity, pick, firm));

    [Fact]
    public void EveryStep_MatchesTheModel_AndNoLimitIsPassed() =>
        GenOp.Array[1, 120].Sample(Run, iter: Sequences, threads: 1);

    private static void Run(Op[] ops)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
        var gate = new RiskGate(Options(), time);
        gate.UpdateReferencePrice(0, Prices[0]);
        gate.UpdateReferencePrice(1, Prices[1]);
        var killSwitch = new KillSwitch(gate, new InMemoryEventStore());
        IReadOnlyList<long>? cancelAll = null;
        killSwitch.CancelAllRequested += (_, e) => cancelAll = e.ClientOrderIds;
        var model = new Model();
        long nextId = 1, nextExecution = 1, lastExecution = 0;
        long lastFillId = 0, lastFillQuantity = 0;

        for (var step = 0; step < ops.Length; step++)
        {
            var op = ops[step];
            var where = $"step {step} {op}";
            switch (op.Kind)
            {
                case 0 or 1 or 11:
                {
                    var id = op.Kind == 11 && model.Orders.Count > 0 ? model.Pick(op.Pick).Id : nextId++;
                    var side = op.Kind == 1 ? OrderSide.Sell : OrderSide.Buy;
                    var order = new OrderRequest(id, op.Account, 0, op.Symbol, side, op.Quantity, Prices[op.Symbol]);
                    Assert.True(model.Decide(op.Account, op.Symbol, side, op.Quantity, id) == gate.Check(in order).Reason, where);
                    break;
                }

                case 2 when model.Orders.Count > 0:
                {
                    // A cancel-replace: a new order under its own id; the old one keeps its reservation until its cancel is reported.
                    var old = model.Pick(op.Pick);
                    var id = nextId++;
                    var replace = new OrderRequest(id, old.Account, 0, old.Symbol, old.Side, op.Quantity, Prices[old.Symbol], OrderType.Limit, OrderAction.Replace);
                    var expected = model.Decide(old.Account, old.Symbol, old.Side, op.Quantity, id);
                    Assert.True(expected == gate.Check(in replace).Reason, where);
                    if (expected == RiskRejectReason.None)
                    {
                        Assert.True(model.Cancel(old.Id) == gate.OnCancel(old.Id), where);
                    }

                    break;
                }

                case 3 when model.Orders.Count > 0:
                {
                    var id = model.Pick(op.Pick).Id;
                    Assert.True(model.Known(id) == gate.OnAck(id), where);
                    break;
                }

                case 4 or 5 when model.Orders.Count > 0:
                {
                    var order = model.Pick(op.Pick);
                    var quantity = op.Kind == 5 ? Math.Min(op.Quantity, 5) : Math.Max(1, Math.Min(op.Quantity, order.Leaves));
                    if (op.Kind == 4 && order.Leaves == 0)
                    {
                        break; // fills of working orders only here; late ones are kind 5
                    }

                    if (op.Kind == 5 && order.Leaves > 0)
                    {
                        break;
                    }

                    lastExecution = nextExecution++;
                    (lastFillId, lastFillQuantity) = (order.Id, quantity);
                    Assert.True(model.Fill(order.Id, quantity) == gate.OnFill(order.Id, lastExecution, quantity, Prices[order.Symbol]), where);
                    break;
                }

                case 6 when lastExecution > 0:
                    Assert.False(gate.OnFill(lastFillId, lastExecution, lastFillQuantity, 100), where); // a duplicated report changes nothing
                    break;

                case 7 when model.Orders.Count > 0:
                {
                    var id = model.Pick(op.Pick).Id;
                    Assert.True(model.Cancel(id) == gate.OnCancel(id), where);
                    break;
                }

                case 8 when model.Orders.Count > 0:
                {
                    var id = model.Pick(op.Pick).Id;
                    var known = model.Known(id);
                    model.Cancel(id);
                    Assert.True(known == gate.OnReject(id), where);
                    break;
                }

                case 9:
                {
                    var scope = op.FirmScope ? TradingScope.Firm : TradingScope.ForAccount("A" + op.Account);
                    cancelAll = null;
                    killSwitch.EngageAsync(scope, "model", "test").GetAwaiter().GetResult();
                    model.Engaged.Add(scope.ToString());
                    var expected = model.Orders.Where(o => o.Leaves > 0 && (op.FirmScope || o.Account == op.Account)).Select(o => o.Id).Order();
                    Assert.True(expected.SequenceEqual(cancelAll!.Order()), $"{where}: cancel-all {string.Join(",", cancelAll!)}");
                    break;
                }

                case 10:
                {
                    var scope = op.FirmScope ? TradingScope.Firm : TradingScope.ForAccount("A" + op.Account);
                    killSwitch.ReleaseAsync(scope, "model", "test").GetAwaiter().GetResult();
                    model.Engaged.Remove(scope.ToString());
                    break;
                }
            }

            model.AssertMatches(gate, where);
        }
    }

    private static RiskGateOptions Options()
    {
        var options = new RiskGateOptions { OrderCapacity = 1 << 10 };
        options.EnabledChecks = RiskChecks.Default & ~(RiskChecks.CircuitBreakers | RiskChecks.RepeatedExecutionThrottle | RiskChecks.LossLimits);
        options.Accounts.Add("A0");
        options.Accounts.Add("A1");
        options.Strategies.Add("S0");
        options.Instruments["Y0"] = new InstrumentOptions { TickSize = 0.01 };
        options.Instruments["Y1"] = new InstrumentOptions { TickSize = 0.01 };
        options.Firm = TradingFixture.Generous();
        options.Firm.MaximumLongPosition = PositionLimit;
        options.Firm.MaximumShortPosition = PositionLimit;
        options.Firm.MaximumGrossExposure = GrossLimit;
        options.Firm.MaximumNetExposure = NetLimit;
        options.Firm.MaximumWorkingOrders = WorkingLimit;
        options.Firm.MaximumWorkingNotional = WorkingNotionalLimit;
        return options;
    }

    private sealed class Order(long id, int account, int symbol, OrderSide side, long quantity)
    {
        public long Id { get; } = id;

        public int Account { get; } = account;

        public int Symbol { get; } = symbol;

        public OrderSide Side { get; } = side;

        public long Leaves { get; set; } = quantity;
    }

    /// <summary>What a desk's own blotter would say: orders, fills, and the limits' definitions.</summary>
    private sealed class Model
    {
        private readonly long[,] _position = new long[2, 2];
        private bool _lateFills;

        public List<Order> Orders { get; } = [];

        public HashSet<string> Engaged { get; } = new(StringComparer.Ordinal);

        public Order Pick(int pick) => Orders[pick % Orders.Count];

        public bool Known(long id) => Orders.Exists(o => o.Id == id);

        private long Working(int a, int y, OrderSide side) => Orders.Where(o => o.Account == a && o.Symbol == y && o.Side == side).Sum(o => o.Leaves);

        private double Gross(int a) => Enumerable.Range(0, 2).Sum(y =>
            Prices[y] * Math.Max(_position[a, y] + Working(a, y, OrderSide.Buy), Working(a, y, OrderSide.Sell) - _position[a, y]));

        private double NetLong(int a) => Enumerable.Range(0, 2).Sum(y => Prices[y] * (_position[a, y] + Working(a, y, OrderSide.Buy)));

        private double NetShort(int a) => Enumerable.Range(0, 2).Sum(y => Prices[y] * (Working(a, y, OrderSide.Sell) - _position[a, y]));

        private long WorkingCount(int a) => Orders.Count(o => o.Account == a && o.Leaves > 0);

        private double WorkingNotional(int a) => Orders.Where(o => o.Account == a).Sum(o => o.Leaves * Prices[o.Symbol]);

        /// <summary>The gate's decision by the limits' definitions, in the order the gate checks them; accepted orders are recorded.</summary>
        public RiskRejectReason Decide(int a, int y, OrderSide side, long quantity, long id)
        {
            if (Engaged.Contains("firm") || Engaged.Contains("account:A" + a))
            {
                return RiskRejectReason.KillSwitchEngaged;
            }

            var order = new Order(id, a, y, side, quantity);
            var worst = side == OrderSide.Buy ? _position[a, y] + Working(a, y, side) + quantity : Working(a, y, side) + quantity - _position[a, y];
            if (worst > PositionLimit)
            {
                return side == OrderSide.Buy ? RiskRejectReason.MaximumLongPosition : RiskRejectReason.MaximumShortPosition;
            }

            Orders.Add(order);
            var reason = Gross(a) > GrossLimit ? RiskRejectReason.MaximumGrossExposure
                : (side == OrderSide.Buy ? NetLong(a) : NetShort(a)) > NetLimit ? RiskRejectReason.MaximumNetExposure
                : WorkingCount(a) > WorkingLimit ? RiskRejectReason.MaximumWorkingOrders
                : WorkingNotional(a) > WorkingNotionalLimit ? RiskRejectReason.MaximumWorkingNotional
                : Orders.Count(o => o.Id == id) > 1 ? RiskRejectReason.DuplicateClientOrderId
                : RiskRejectReason.None;
            if (reason != RiskRejectReason.None)
            {
                Orders.Remove(order);
            }

            return reason;
        }

        public bool Fill(long id, long quantity)
        {
            var order = Orders.Find(o => o.Id == id);
            if (order is null)
            {
                return false;
            }

            _lateFills |= quantity > order.Leaves;
            order.Leaves = Math.Max(0, order.Leaves - quantity);
            _position[order.Account, order.Symbol] += order.Side == OrderSide.Buy ? quantity : -quantity;
            return true;
        }

        public bool Cancel(long id)
        {
            var order = Orders.Find(o => o.Id == id);
            if (order is not { Leaves: > 0 })
            {
                return false;
            }

            order.Leaves = 0;
            return true;
        }

        public void AssertMatches(RiskGate gate, string where)
        {
            for (var a = 0; a < 2; a++)
            {
                for (var y = 0; y < 2; y++)
                {
                    var p = gate.GetPosition(a, y);
                    var (buys, sells) = (Working(a, y, OrderSide.Buy), Working(a, y, OrderSide.Sell));
                    Assert.True(_position[a, y] == p.Position, $"{where}: position {p.Position}, model {_position[a, y]}");
                    Assert.True(_position[a, y] + buys == p.WorstCaseLong, $"{where}: worst long");
                    Assert.True(_position[a, y] - sells == p.WorstCaseShort, $"{where}: worst short");
                    if (!_lateFills)
                    {
                        Assert.True(_position[a, y] + buys <= PositionLimit && sells - _position[a, y] <= PositionLimit, $"{where}: position limit passed");
                    }
                }

                var e = gate.GetExposure(a);
                var expected = new AccountExposure(Gross(a), NetLong(a), NetShort(a), WorkingCount(a), WorkingNotional(a));
                Assert.True(expected == e, $"{where}: account {a} {e}, model {expected}");
                if (!_lateFills)
                {
                    Assert.True(e.Gross <= GrossLimit && e.NetLong <= NetLimit && e.NetShort <= NetLimit && e.WorkingCount <= WorkingLimit &&
                                e.WorkingNotional <= WorkingNotionalLimit, $"{where}: a limit was passed: {e}");
                }
            }

            var working = gate.GetWorkingOrders().Order();
            Assert.True(Orders.Where(o => o.Leaves > 0).Select(o => o.Id).Order().SequenceEqual(working), $"{where}: working orders");
        }
    }
}
