namespace Bulwark.Trading;

/// <summary>The level a limit, trading state or kill switch applies at.</summary>
public enum ScopeLevel
{
    /// <summary>Everything the firm trades.</summary>
    Firm = 0,

    /// <summary>One account.</summary>
    Account = 1,

    /// <summary>One strategy (algorithm or trader).</summary>
    Strategy = 2,

    /// <summary>One symbol, across accounts.</summary>
    Symbol = 3,
}

/// <summary>A scope: the firm, or one named account, strategy or symbol.</summary>
public readonly record struct TradingScope(ScopeLevel Level, string Name)
{
    /// <summary>The whole firm.</summary>
    public static TradingScope Firm { get; } = new(ScopeLevel.Firm, "firm");

    /// <summary>One account.</summary>
    public static TradingScope ForAccount(string name) => new(ScopeLevel.Account, name);

    /// <summary>One strategy.</summary>
    public static TradingScope ForStrategy(string name) => new(ScopeLevel.Strategy, name);

    /// <summary>One symbol.</summary>
    public static TradingScope ForSymbol(string name) => new(ScopeLevel.Symbol, name);

    /// <summary>Stable text form used as the event subject: <c>firm</c>, <c>account:A1</c>, <c>strategy:S1</c>, <c>symbol:XYZ</c>.</summary>
    public override string ToString() => Level switch
    {
        ScopeLevel.Firm => "firm",
        ScopeLevel.Account => "account:" + Name,
        ScopeLevel.Strategy => "strategy:" + Name,
        _ => "symbol:" + Name,
    };

    /// <summary>Parses the form written by <see cref="ToString"/>.</summary>
    public static bool TryParse(string? text, out TradingScope scope)
    {
        scope = default;
        if (text == "firm")
        {
            scope = Firm;
            return true;
        }

        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (text is null || colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }

        ScopeLevel? level = text[..colon] switch
        {
            "account" => ScopeLevel.Account,
            "strategy" => ScopeLevel.Strategy,
            "symbol" => ScopeLevel.Symbol,
            _ => null,
        };
        if (level is null)
        {
            return false;
        }

        scope = new TradingScope(level.Value, text[(colon + 1)..]);
        return true;
    }
}

/// <summary>Position of one account in one symbol, as the gate sees it.</summary>
public readonly record struct PositionSnapshot(
    long Position,
    double AveragePrice,
    double RealizedPnl,
    long WorstCaseLong,
    long WorstCaseShort);

/// <summary>Stable event kind names for trading, next to <see cref="EventKinds"/>. Never rename one.</summary>
public static class TradingEventKinds
{
    /// <summary>Prefix of every kill-switch event (replayed at start to restore latches).</summary>
    public const string KillSwitchPrefix = "killswitch.";

    /// <summary>A kill switch was engaged (subject: scope; actor: who; cause: why).</summary>
    public const string KillSwitchEngaged = "killswitch.engaged";

    /// <summary>A kill switch was released by a named person.</summary>
    public const string KillSwitchReleased = "killswitch.released";

    /// <summary>The engine must cancel every working order in the scope (evidence: the client order ids).</summary>
    public const string CancelAllRequested = "trading.cancel_all";

    /// <summary>The trading state of a scope changed (from/to; cause says which source).</summary>
    public const string TradingState = "trading.state";

    /// <summary>Limits, restricted list or policies changed at runtime (actor, cause).</summary>
    public const string LimitsChanged = "trading.limits_changed";

    /// <summary>A runtime change was refused (evidence: every error).</summary>
    public const string LimitsChangeRefused = "trading.limits_change_refused";

    /// <summary>Rejections since the last flush, counted by reason (evidence: JSON object reason -> count).</summary>
    public const string Rejections = "trading.rejections";

    /// <summary>A trading circuit breaker changed state (closed, open, half-open).</summary>
    public const string CircuitBreaker = "trading.circuit_breaker";

    /// <summary>A loss limit was crossed or cleared.</summary>
    public const string LossLimit = "trading.loss_limit";

    /// <summary>The repeated-execution throttle disabled a strategy.</summary>
    public const string StrategyDisabled = "trading.strategy_disabled";

    /// <summary>A person re-enabled a strategy.</summary>
    public const string StrategyEnabled = "trading.strategy_enabled";

    /// <summary>Daily counters reset at the session start.</summary>
    public const string SessionReset = "trading.session_reset";

    /// <summary>A fill was refused because the position or a worst case would overflow (nothing was applied).</summary>
    public const string FillRefused = "trading.fill_refused";

    /// <summary>The installation's shared kill switch refused a change this node made (evidence: the error); the node is out of sync.</summary>
    public const string KillSwitchShareRefused = "trading.killswitch_share_refused";
}
