namespace Bulwark.Trading;

/// <summary>Validates gate options once, before anything runs, and reports every error together.</summary>
internal static class RiskGateOptionsValidator
{
    internal const int MinimumOrderCapacity = 1024;
    internal const int MaximumOrderCapacity = 1 << 26;

    /// <summary>Path of a scope's limits for error messages; the YAML binder maps names back to list indexes.</summary>
    internal delegate string ScopePath(string scopeKind, string name);

    internal static string DefaultPath(string scopeKind, string name) => scopeKind switch
    {
        "firm" => "trading.firm",
        "account" => $"trading.accounts[{name}]",
        "strategy" => $"trading.strategies[{name}]",
        "instrument" => $"trading.instruments[{name}]",
        _ => "trading",
    };

    public static List<OptionsError> Validate(RiskGateOptions options, ScopePath? path = null)
    {
        path ??= DefaultPath;
        var errors = new List<OptionsError>();
        var root = path("root", "");

        CheckNames(options.Accounts, "accounts", root, errors);
        CheckNames(options.Strategies, "strategies", root, errors);
        if (options.Instruments.Count == 0)
        {
            errors.Add(new($"{root}.instruments", "at least one instrument is required"));
        }

        ValidateLimits(options.Firm, path("firm", ""), errors);
        foreach (var (name, limits) in options.AccountLimits)
        {
            if (!options.Accounts.Contains(name))
            {
                errors.Add(new(path("account", name), $"limits for unknown account '{name}'"));
            }

            ValidateLimits(limits, path("account", name), errors);
        }

        foreach (var (name, limits) in options.StrategyLimits)
        {
            if (!options.Strategies.Contains(name))
            {
                errors.Add(new(path("strategy", name), $"limits for unknown strategy '{name}'"));
            }

            ValidateLimits(limits, path("strategy", name), errors);
        }

        foreach (var (symbol, instrument) in options.Instruments)
        {
            var p = path("instrument", symbol);
            if (string.IsNullOrWhiteSpace(symbol))
            {
                errors.Add(new(p, "symbol must not be empty"));
            }

            if (instrument is null)
            {
                errors.Add(new(p, "instrument must not be null"));
                continue;
            }

            if (!(double.IsFinite(instrument.TickSize) && instrument.TickSize > 0))
            {
                errors.Add(new($"{p}.tickSize", "must be a finite number greater than 0"));
            }
            else if (!TickGrid.TryCreate(instrument.TickSize, out _))
            {
                errors.Add(new($"{p}.tickSize", $"must be a decimal of at most {TickGrid.MaximumPlaces} places (prices are checked against it exactly)"));
            }

            if (instrument.LotSize <= 0)
            {
                errors.Add(new($"{p}.lotSize", "must be greater than 0"));
            }

            if (!(double.IsFinite(instrument.Multiplier) && instrument.Multiplier > 0))
            {
                errors.Add(new($"{p}.multiplier", "must be a finite number greater than 0"));
            }

            ValidateLimits(instrument.Limits, p, errors);
        }

        foreach (var symbol in options.RestrictedSymbols)
        {
            if (!options.Instruments.ContainsKey(symbol))
            {
                errors.Add(new($"{root}.restrictedSymbols", $"unknown symbol '{symbol}'"));
            }
        }

        // Checks evaluated off the order path cannot reject one order for a missing limit, so they must
        // have a firm-wide value when enabled: refused at start instead of silently unlimited (FIA 1.1).
        var firmPath = path("firm", "");
        if (options.EnabledChecks.HasFlag(RiskChecks.LossLimits))
        {
            RequireFirm(options.Firm?.MaximumDailyLoss, RiskLimitKind.MaximumDailyLoss, "lossLimits", firmPath, errors);
            RequireFirm(options.Firm?.MaximumDrawdown, RiskLimitKind.MaximumDrawdown, "lossLimits", firmPath, errors);
        }

        if (options.EnabledChecks.HasFlag(RiskChecks.RepeatedExecutionThrottle))
        {
            RequireFirm(options.Firm?.MaximumRepeatedExecutions, RiskLimitKind.MaximumRepeatedExecutions, "repeatedExecutionThrottle", firmPath, errors);
        }

        if ((options.EnabledChecks & ~RiskChecks.All) != 0)
        {
            errors.Add(new($"{root}.enabledChecks", "unknown check"));
        }

        Positive(options.ReferencePriceMaximumAge, $"{root}.referencePriceMaximumAge", errors);
        Positive(options.DuplicateContentWindow, $"{root}.duplicateContentWindow", errors);
        Positive(options.RepeatedExecutionWindow, $"{root}.repeatedExecutionWindow", errors);
        if (options.LossLimitState is not (TradingState.Reducing or TradingState.Halted))
        {
            errors.Add(new($"{root}.lossLimitState", "must be Reducing or Halted"));
        }

        if (options.SessionStart < TimeSpan.Zero || options.SessionStart >= TimeSpan.FromDays(1))
        {
            errors.Add(new($"{root}.sessionStart", "must be a time of day, from 00:00 to 23:59:59"));
        }

        if (options.OrderCapacity < MinimumOrderCapacity || options.OrderCapacity > MaximumOrderCapacity ||
            (options.OrderCapacity & (options.OrderCapacity - 1)) != 0)
        {
            errors.Add(new($"{root}.orderCapacity", $"must be a power of two from {MinimumOrderCapacity} to {MaximumOrderCapacity}"));
        }

        var breaker = options.CircuitBreaker;
        if (breaker is null)
        {
            errors.Add(new($"{root}.circuitBreaker", "must not be null"));
        }
        else
        {
            var b = $"{root}.circuitBreaker";
            if (!(breaker.RejectRateThreshold > 0 && breaker.RejectRateThreshold <= 1))
            {
                errors.Add(new($"{b}.rejectRateThreshold", "must be greater than 0 and at most 1"));
            }

            if (breaker.MinimumThroughput < 1)
            {
                errors.Add(new($"{b}.minimumThroughput", "must be at least 1"));
            }

            if (breaker.ConsecutiveVenueErrors < 1)
            {
                errors.Add(new($"{b}.consecutiveVenueErrors", "must be at least 1"));
            }

            if (breaker.HalfOpenAcksToClose < 1)
            {
                errors.Add(new($"{b}.halfOpenAcksToClose", "must be at least 1"));
            }

            if (breaker.LossVelocity is { } v && !(double.IsFinite(v) && v > 0))
            {
                errors.Add(new($"{b}.lossVelocity", "must be a finite number greater than 0"));
            }

            Positive(breaker.SamplingWindow, $"{b}.samplingWindow", errors);
            Positive(breaker.BreakDuration, $"{b}.breakDuration", errors);
            if (breaker.OpenState is not (TradingState.Reducing or TradingState.Halted))
            {
                errors.Add(new($"{b}.openState", "must be Reducing or Halted"));
            }
        }

        return errors;
    }

    private static void CheckNames(IList<string> names, string what, string root, List<OptionsError> errors)
    {
        if (names.Count == 0)
        {
            errors.Add(new($"{root}.{what}", $"at least one entry is required"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i]))
            {
                errors.Add(new($"{root}.{what}[{i}]", "name must not be empty"));
            }
            else if (!seen.Add(names[i]))
            {
                errors.Add(new($"{root}.{what}[{i}]", $"duplicate name '{names[i]}'"));
            }
        }
    }

    private static void RequireFirm(double? value, RiskLimitKind kind, string check, string firmPath, List<OptionsError> errors)
    {
        if (value is null)
        {
            errors.Add(new($"{firmPath}.{LimitName(kind)}", $"required while the {check} check is enabled (a firm-wide value; accounts may set tighter ones)"));
        }
    }

    private static void Positive(TimeSpan value, string path, List<OptionsError> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add(new(path, "must be greater than 0"));
        }
        else if (value.TotalSeconds > BulwarkDefaults.MaxDurationSeconds)
        {
            errors.Add(new(path, $"must be at most {BulwarkDefaults.MaxDurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} s"));
        }
    }

    private static void ValidateLimits(RiskLimits? limits, string path, List<OptionsError> errors)
    {
        if (limits is null)
        {
            errors.Add(new(path, "limits must not be null"));
            return;
        }

        foreach (var kind in Enum.GetValues<RiskLimitKind>())
        {
            if (limits.Get(kind) is not { } value)
            {
                continue;
            }

            var p = $"{path}.{LimitName(kind)}";
            if (!double.IsFinite(value) || value <= 0)
            {
                errors.Add(new(p, "must be a finite number greater than 0"));
            }
            else if (kind == RiskLimitKind.PriceCollarPercent && value > 100)
            {
                errors.Add(new(p, "must be at most 100"));
            }
        }

        if (limits.MaximumCancelsPerSecond is { } cancels && limits.MaximumMessagesPerSecond is { } messages && cancels < messages)
        {
            errors.Add(new($"{path}.{LimitName(RiskLimitKind.MaximumCancelsPerSecond)}",
                "must be at least maximumMessagesPerSecond, so a kill is never throttled before new orders are"));
        }
    }

    /// <summary>The camelCase name of a limit as it appears in configuration.</summary>
    internal static string LimitName(RiskLimitKind kind)
    {
        var name = kind.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }
}
