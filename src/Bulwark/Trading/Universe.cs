namespace Bulwark.Trading;

/// <summary>Accounts, strategies and symbols interned to dense ids at setup; fixed for the life of the gate.</summary>
internal sealed class Universe
{
    public Universe(RiskGateOptions options)
    {
        AccountNames = [.. options.Accounts];
        StrategyNames = [.. options.Strategies];
        SymbolNames = [.. options.Instruments.Keys.Order(StringComparer.Ordinal)];
        Accounts = Index(AccountNames);
        Strategies = Index(StrategyNames);
        Symbols = Index(SymbolNames);
        TickSize = new double[SymbolNames.Length];
        LotSize = new long[SymbolNames.Length];
        Multiplier = new double[SymbolNames.Length];
        Ticks = new TickGrid[SymbolNames.Length];
        for (var y = 0; y < SymbolNames.Length; y++)
        {
            var instrument = options.Instruments[SymbolNames[y]];
            TickSize[y] = instrument.TickSize;
            if (!TickGrid.TryCreate(instrument.TickSize, out Ticks[y]))
            {
                throw new ArgumentException($"instrument {SymbolNames[y]}: tick size {instrument.TickSize} is not a decimal of at most {TickGrid.MaximumPlaces} places", nameof(options));
            }

            LotSize[y] = instrument.LotSize;
            Multiplier[y] = instrument.Multiplier;
        }
    }

    public string[] AccountNames { get; }

    public string[] StrategyNames { get; }

    public string[] SymbolNames { get; }

    public Dictionary<string, int> Accounts { get; }

    public Dictionary<string, int> Strategies { get; }

    public Dictionary<string, int> Symbols { get; }

    public double[] TickSize { get; }

    /// <summary>Each symbol's tick size as an exact decimal grid.</summary>
    public TickGrid[] Ticks { get; }

    public long[] LotSize { get; }

    public double[] Multiplier { get; }

    public int AccountCount => AccountNames.Length;

    public int StrategyCount => StrategyNames.Length;

    public int SymbolCount => SymbolNames.Length;

    /// <summary>Scope slots: firm, then accounts, strategies, symbols.</summary>
    public int ScopeCount => 1 + AccountCount + StrategyCount + SymbolCount;

    public int AccountScope(int account) => 1 + account;

    public int StrategyScope(int strategy) => 1 + AccountCount + strategy;

    public int SymbolScope(int symbol) => 1 + AccountCount + StrategyCount + symbol;

    /// <summary>Scope slot of a named scope, or -1 when the name is unknown.</summary>
    public int ScopeIndex(TradingScope scope) => scope.Level switch
    {
        ScopeLevel.Firm => 0,
        ScopeLevel.Account => Accounts.TryGetValue(scope.Name, out var a) ? AccountScope(a) : -1,
        ScopeLevel.Strategy => Strategies.TryGetValue(scope.Name, out var s) ? StrategyScope(s) : -1,
        ScopeLevel.Symbol => Symbols.TryGetValue(scope.Name, out var y) ? SymbolScope(y) : -1,
        _ => -1,
    };

    /// <summary>True when the universe of <paramref name="options"/> is the same as this one (names and instrument definitions).</summary>
    public bool SameAs(RiskGateOptions options)
    {
        if (!options.Accounts.SequenceEqual(AccountNames) || !options.Strategies.SequenceEqual(StrategyNames) ||
            options.Instruments.Count != SymbolNames.Length)
        {
            return false;
        }

        for (var y = 0; y < SymbolNames.Length; y++)
        {
            if (!options.Instruments.TryGetValue(SymbolNames[y], out var i) || i is null ||
                i.TickSize != TickSize[y] || i.LotSize != LotSize[y] || i.Multiplier != Multiplier[y])
            {
                return false;
            }
        }

        return true;
    }

    private static Dictionary<string, int> Index(string[] names)
    {
        var index = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            index[names[i]] = i;
        }

        return index;
    }
}
