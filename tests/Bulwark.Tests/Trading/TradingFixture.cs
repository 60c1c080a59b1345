using Bulwark.Trading;
using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Tests.Trading;

/// <summary>
/// A gate with every default check enabled (duplicate content is opt-in) and every limit set generously at firm scope, so a test tightens the one
/// limit it is about and every other check stays out of the way.
/// </summary>
internal sealed class TradingFixture
{
    public const string Account = "A1";
    public const string OtherAccount = "A2";
    public const string Strategy = "S1";
    public const string OtherStrategy = "S2";
    public const string Symbol = "XYZ";
    public const string OtherSymbol = "ABC";
    public const double ReferencePrice = 100.0;

    private long _nextId = 1;

    public TradingFixture(Action<RiskGateOptions>? configure = null, bool feedReference = true)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        Options = DefaultOptions();
        configure?.Invoke(Options);
        Gate = new RiskGate(Options, Time);
        A = Gate.GetAccountId(Account);
        A2 = Gate.GetAccountId(OtherAccount);
        S = Gate.GetStrategyId(Strategy);
        S2 = Gate.GetStrategyId(OtherStrategy);
        Y = Gate.GetSymbolId(Symbol);
        Y2 = Gate.GetSymbolId(OtherSymbol);
        if (feedReference)
        {
            Gate.UpdateReferencePrice(Y, ReferencePrice);
            Gate.UpdateReferencePrice(Y2, ReferencePrice);
        }
    }

    public FakeTimeProvider Time { get; }

    public RiskGateOptions Options { get; }

    public RiskGate Gate { get; }

    public int A { get; }

    public int A2 { get; }

    public int S { get; }

    public int S2 { get; }

    public int Y { get; }

    public int Y2 { get; }

    public static RiskGateOptions DefaultOptions()
    {
        var options = new RiskGateOptions { EnabledChecks = RiskChecks.Default, OrderCapacity = 1 << 12 };
        options.Accounts.Add(Account);
        options.Accounts.Add(OtherAccount);
        options.Strategies.Add(Strategy);
        options.Strategies.Add(OtherStrategy);
        options.Instruments[Symbol] = new InstrumentOptions { TickSize = 0.01, LotSize = 1, Multiplier = 1 };
        options.Instruments[OtherSymbol] = new InstrumentOptions { TickSize = 0.05, LotSize = 10, Multiplier = 1 };
        options.Firm = Generous();
        options.DuplicateContentWindow = TimeSpan.FromMilliseconds(500);
        return options;
    }

    public static RiskLimits Generous() => GenerousLimits.Create();

    public long NextId() => _nextId++;

    /// <summary>The kinds of the trading events the gate queued since the last call.</summary>
    public static List<string> DrainKinds(RiskGate gate)
    {
        var kinds = new List<string>();
        while (gate.TryTakeEvent(out var e))
        {
            kinds.Add(e.Kind);
        }

        return kinds;
    }

    public OrderRequest Buy(long quantity, double price = ReferencePrice, int? account = null, int? symbol = null, int? strategy = null) =>
        new(NextId(), account ?? A, strategy ?? S, symbol ?? Y, OrderSide.Buy, quantity, price);

    public OrderRequest Sell(long quantity, double price = ReferencePrice, int? account = null, int? symbol = null, int? strategy = null) =>
        new(NextId(), account ?? A, strategy ?? S, symbol ?? Y, OrderSide.Sell, quantity, price);

    public RiskDecision Check(OrderRequest order) => Gate.Check(in order);

    /// <summary>Checks the order, asserts it was accepted, and fills it completely.</summary>
    public void Fill(OrderRequest order, double? price = null)
    {
        var decision = Gate.Check(in order);
        Assert.True(decision.IsAccepted, decision.ToString());
        Assert.True(Gate.OnFill(order.ClientOrderId, order.ClientOrderId + 1_000_000_000, order.Quantity, price ?? order.Price));
    }

    /// <summary>Gives the account a position by filling one order.</summary>
    public void Position(long signedQuantity, double price = ReferencePrice, int? account = null, int? symbol = null)
    {
        if (signedQuantity > 0)
        {
            Fill(Buy(signedQuantity, price, account, symbol), price);
        }
        else if (signedQuantity < 0)
        {
            Fill(Sell(-signedQuantity, price, account, symbol), price);
        }
    }
}
