using Bulwark.Trading;

namespace Bulwark.Benchmarks;

/// <summary>
/// The benchmark universe: 100 accounts x 1,000 symbols, every check enabled with a limit that the run does
/// not reach, reference prices fresh, and working orders present on every account.
/// </summary>
internal static class RiskGateSetup
{
    public const int Accounts = 100;
    public const int Symbols = 1000;
    public const int WorkingOrdersPerAccount = 10;
    public const double Price = 100.0;

    public static RiskGate Create(int orderCapacity, out long nextId, RiskChecks checks = RiskChecks.All)
    {
        var options = new RiskGateOptions
        {
            EnabledChecks = checks,
            OrderCapacity = orderCapacity,
            ReferencePriceMaximumAge = TimeSpan.FromHours(1),
            DuplicateContentWindow = TimeSpan.FromMilliseconds(1),
        };
        for (var a = 0; a < Accounts; a++)
        {
            options.Accounts.Add($"ACC{a:D3}");
            options.AccountLimits[$"ACC{a:D3}"] = new RiskLimits { MaximumOrderQuantity = 10_000, MaximumWorkingOrders = 10_000_000 };
        }

        options.Strategies.Add("S1");
        options.StrategyLimits["S1"] = new RiskLimits { MaximumOrderNotional = 1e9 };
        for (var y = 0; y < Symbols; y++)
        {
            options.Instruments[$"SYM{y:D4}"] = new InstrumentOptions
            {
                TickSize = 0.01,
                LotSize = 1,
                Multiplier = 1,
                Limits = new RiskLimits { PriceCollarPercent = 10, MaximumLongPosition = 1_000_000, MaximumShortPosition = 1_000_000 },
            };
        }

        options.Firm = new RiskLimits
        {
            MaximumOrderQuantity = 100_000,
            MaximumOrderNotional = 1e10,
            PriceCollarPercent = 20,
            PriceCollarTicks = 100_000,
            MaximumLongPosition = 10_000_000,
            MaximumShortPosition = 10_000_000,
            MaximumGrossExposure = 1e15,
            MaximumNetExposure = 1e15,
            MaximumWorkingOrders = 100_000_000,
            MaximumWorkingNotional = 1e15,
            MaximumMessagesPerSecond = 1e9,
            MaximumCancelsPerSecond = 2e9,
            MaximumDailyLoss = 1e9,
            MaximumDrawdown = 1e9,
            MaximumRepeatedExecutions = 1_000_000,
        };

        var gate = new RiskGate(options);
        for (var y = 0; y < Symbols; y++)
        {
            gate.UpdateReferencePrice(y, Price);
        }

        // Working orders on every account, spread over symbols.
        nextId = 1;
        for (var a = 0; a < Accounts; a++)
        {
            for (var w = 0; w < WorkingOrdersPerAccount; w++)
            {
                var order = new OrderRequest(nextId++, a, 0, ((a * 7) + (w * 101)) % Symbols, w % 2 == 0 ? OrderSide.Buy : OrderSide.Sell, 5, Price);
                if (!gate.Check(in order).IsAccepted)
                {
                    throw new InvalidOperationException("setup order rejected: " + gate.Check(in order));
                }
            }
        }

        return gate;
    }
}

/// <summary>
/// The benchmarks' order stream: each call a new order for the next account and symbol (all pairs walked in
/// turn), sides alternating so positions stay small. Ids are consecutive, or scattered over the id space by a
/// bijective mix of the counter (the order table's cache-miss worst case).
/// </summary>
internal struct OrderWalk(long firstId, bool scatterIds = false)
{
    private long _nextId = firstId;
    private int _account;
    private int _symbol;
    private int _side;

    public OrderRequest Next()
    {
        if (++_account == RiskGateSetup.Accounts)
        {
            _account = 0;
            if (++_symbol == RiskGateSetup.Symbols)
            {
                _symbol = 0;
            }
        }

        _side ^= 1;
        var counter = _nextId++;
        var id = scatterIds ? (long)(((ulong)counter * 0x9E3779B97F4A7C15UL) >> 2) + 1 : counter;
        return new OrderRequest(id, _account, 0, _symbol, (OrderSide)_side, 1, RiskGateSetup.Price);
    }
}
