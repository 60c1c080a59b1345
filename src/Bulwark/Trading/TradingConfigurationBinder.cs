using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Bulwark.Trading;

/// <summary>What the <c>trading:</c> section bound to: gate and bridge options, or every error found.</summary>
internal sealed record TradingConfiguration(RiskGateOptions? Gate, TradingSafetyBridgeOptions? Bridge, IReadOnlyList<OptionsError> Errors)
{
    /// <summary>The <c>trading.journal:</c> section (defaults when absent).</summary>
    public Journal.TradingJournalOptions? Journal { get; init; }
}

/// <summary>
/// Binds the top-level <c>trading:</c> section of <c>bulwark.yaml</c> (the main loader delegates it here).
/// Unknown keys are errors, so a typo cannot silently drop a limit; every error is reported with its path
/// (for example <c>trading.accounts[0].maximumOrderQuantity</c>), then the gate's own validation runs with
/// the same paths.
/// </summary>
internal static class TradingConfigurationBinder
{
    /// <summary>Largest number a file may give (a limit, size or multiplier): 10^15, beyond any real one.</summary>
    internal const double MaximumValue = 1e15;

    private const string EmptyValue = "must not be empty: a value that is empty, ~ or null is refused (leave the key out for its default)";

    private static readonly string[] LimitKeys = Enum.GetValues<RiskLimitKind>().Select(RiskGateOptionsValidator.LimitName).ToArray();

    private static readonly Dictionary<string, RiskChecks> CheckNames = Enum.GetValues<RiskChecks>()
        .Where(c => c is not (RiskChecks.None or RiskChecks.Default or RiskChecks.All))
        .ToDictionary(c => char.ToLowerInvariant(c.ToString()[0]) + c.ToString()[1..], c => c, StringComparer.Ordinal);

    public static TradingConfiguration Bind(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var errors = new List<OptionsError>();
        var root = section.Path.Replace(':', '.');
        var gate = new RiskGateOptions();
        var bridge = new TradingSafetyBridgeOptions();
        var journal = new Journal.TradingJournalOptions();
        var accountIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var strategyIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var instrumentIndex = new Dictionary<string, int>(StringComparer.Ordinal);

        foreach (var child in section.GetChildren())
        {
            var path = $"{root}.{child.Key}";
            if (IsEmpty(child))
            {
                // Written with nothing (empty, ~ or null): never read as "no checks", "no limit" or "no symbols".
                errors.Add(new(path, EmptyValue));
                continue;
            }

            switch (child.Key)
            {
                case "enabledChecks":
                    gate.EnabledChecks = ParseChecks(child, path, errors);
                    break;
                case "referencePriceMaximumAgeSeconds":
                    gate.ReferencePriceMaximumAge = Seconds(child, path, errors) ?? gate.ReferencePriceMaximumAge;
                    break;
                case "duplicateContentWindowSeconds":
                    gate.DuplicateContentWindow = Seconds(child, path, errors) ?? gate.DuplicateContentWindow;
                    break;
                case "repeatedExecutionWindowSeconds":
                    gate.RepeatedExecutionWindow = Seconds(child, path, errors) ?? gate.RepeatedExecutionWindow;
                    break;
                case "lossLimitState":
                    gate.LossLimitState = State(child, path, errors) ?? gate.LossLimitState;
                    break;
                case "sessionStart":
                    if (Scalar(child, path, errors) is not { } text)
                    {
                        break;
                    }

                    if (TimeSpan.TryParseExact(text, @"hh\:mm", CultureInfo.InvariantCulture, out var start))
                    {
                        gate.SessionStart = start;
                    }
                    else
                    {
                        errors.Add(new(path, "expected a UTC time of day as HH:mm"));
                    }

                    break;
                case "orderCapacity":
                    gate.OrderCapacity = Int(child, path, errors) ?? gate.OrderCapacity;
                    break;
                case "firm":
                    gate.Firm = Limits(child, path, errors, []);
                    break;
                case "accounts":
                    foreach (var (item, itemPath, name) in Named(child, path, "name", errors))
                    {
                        accountIndex.TryAdd(name, accountIndex.Count);
                        gate.Accounts.Add(name);
                        gate.AccountLimits[name] = Limits(item, itemPath, errors, ["name"]);
                    }

                    break;
                case "strategies":
                    foreach (var (item, itemPath, name) in Named(child, path, "name", errors))
                    {
                        strategyIndex.TryAdd(name, strategyIndex.Count);
                        gate.Strategies.Add(name);
                        gate.StrategyLimits[name] = Limits(item, itemPath, errors, ["name"]);
                    }

                    break;
                case "instruments":
                    var i = 0;
                    foreach (var (item, itemPath, symbol) in Named(child, path, "symbol", errors))
                    {
                        if (!instrumentIndex.TryAdd(symbol, i++))
                        {
                            errors.Add(new(itemPath, $"duplicate symbol '{symbol}'"));
                            continue;
                        }

                        var instrument = new InstrumentOptions { Limits = Limits(item, itemPath, errors, ["symbol", "tickSize", "lotSize", "multiplier"]) };
                        foreach (var key in item.GetChildren())
                        {
                            var keyPath = $"{itemPath}.{key.Key}";
                            switch (key.Key)
                            {
                                case "tickSize": instrument.TickSize = Double(key, keyPath, errors) ?? instrument.TickSize; break;
                                case "lotSize": instrument.LotSize = Long(key, keyPath, errors) ?? instrument.LotSize; break;
                                case "multiplier": instrument.Multiplier = Double(key, keyPath, errors) ?? instrument.Multiplier; break;
                            }
                        }

                        gate.Instruments[symbol] = instrument;
                    }

                    break;
                case "restrictedSymbols":
                    if (!IsList(child, path, errors))
                    {
                        break;
                    }

                    foreach (var symbol in child.GetChildren())
                    {
                        if (Scalar(symbol, $"{path}[{symbol.Key}]", errors) is { } name)
                        {
                            gate.RestrictedSymbols.Add(name);
                        }
                    }

                    break;
                case "circuitBreaker":
                    gate.CircuitBreaker = Breaker(child, path, errors);
                    break;
                case "bridge":
                    bridge = Bridge(child, path, errors);
                    break;
                case "journal":
                    journal = JournalSection(child, path, errors);
                    break;
                default:
                    errors.Add(new(path, "unknown key"));
                    break;
            }
        }

        errors.AddRange(RiskGateOptionsValidator.Validate(gate, (kind, name) => kind switch
        {
            "firm" => $"{root}.firm",
            "account" => accountIndex.TryGetValue(name, out var a) ? $"{root}.accounts[{a}]" : $"{root}.accounts",
            "strategy" => strategyIndex.TryGetValue(name, out var s) ? $"{root}.strategies[{s}]" : $"{root}.strategies",
            "instrument" => instrumentIndex.TryGetValue(name, out var y) ? $"{root}.instruments[{y}]" : $"{root}.instruments",
            _ => root,
        }));

        // Duplicate names were collapsed into one dictionary entry above; the validator sees the lists.
        return errors.Count == 0 ? new(gate, bridge, errors) { Journal = journal } : new(null, null, errors.Distinct().ToList());
    }

    private static IEnumerable<(IConfigurationSection Item, string Path, string Name)> Named(
        IConfigurationSection list, string path, string nameKey, List<OptionsError> errors)
    {
        if (!IsList(list, path, errors))
        {
            yield break;
        }

        foreach (var item in list.GetChildren().OrderBy(c => int.TryParse(c.Key, out var n) ? n : int.MaxValue))
        {
            var itemPath = $"{path}[{item.Key}]";
            if (!IsSection(item, itemPath, errors))
            {
                continue;
            }

            var name = item.GetChildren().FirstOrDefault(c => c.Key == nameKey);
            if (name is null)
            {
                errors.Add(new($"{itemPath}.{nameKey}", "required"));
                continue;
            }

            if (Scalar(name, $"{itemPath}.{nameKey}", errors) is { } text)
            {
                yield return (item, itemPath, text);
            }
        }
    }

    private static RiskLimits Limits(IConfigurationSection section, string path, List<OptionsError> errors, string[] otherKeys)
    {
        var limits = new RiskLimits();
        if (!IsSection(section, path, errors))
        {
            return limits;
        }

        foreach (var child in section.GetChildren())
        {
            var p = $"{path}.{child.Key}";
            var k = Array.IndexOf(LimitKeys, child.Key);
            if (k < 0)
            {
                if (!otherKeys.Contains(child.Key))
                {
                    errors.Add(new(p, "unknown key"));
                }

                continue;
            }

            var kind = (RiskLimitKind)k;
            switch (kind)
            {
                case RiskLimitKind.MaximumOrderQuantity: limits.MaximumOrderQuantity = Long(child, p, errors); break;
                case RiskLimitKind.MaximumOrderNotional: limits.MaximumOrderNotional = Double(child, p, errors); break;
                case RiskLimitKind.PriceCollarPercent: limits.PriceCollarPercent = Double(child, p, errors); break;
                case RiskLimitKind.PriceCollarTicks: limits.PriceCollarTicks = Long(child, p, errors); break;
                case RiskLimitKind.MaximumLongPosition: limits.MaximumLongPosition = Long(child, p, errors); break;
                case RiskLimitKind.MaximumShortPosition: limits.MaximumShortPosition = Long(child, p, errors); break;
                case RiskLimitKind.MaximumGrossExposure: limits.MaximumGrossExposure = Double(child, p, errors); break;
                case RiskLimitKind.MaximumNetExposure: limits.MaximumNetExposure = Double(child, p, errors); break;
                case RiskLimitKind.MaximumWorkingOrders: limits.MaximumWorkingOrders = Long(child, p, errors); break;
                case RiskLimitKind.MaximumWorkingNotional: limits.MaximumWorkingNotional = Double(child, p, errors); break;
                case RiskLimitKind.MaximumMessagesPerSecond: limits.MaximumMessagesPerSecond = Double(child, p, errors); break;
                case RiskLimitKind.MaximumCancelsPerSecond: limits.MaximumCancelsPerSecond = Double(child, p, errors); break;
                case RiskLimitKind.MaximumDailyLoss: limits.MaximumDailyLoss = Double(child, p, errors); break;
                case RiskLimitKind.MaximumDrawdown: limits.MaximumDrawdown = Double(child, p, errors); break;
                case RiskLimitKind.MaximumRepeatedExecutions: limits.MaximumRepeatedExecutions = Long(child, p, errors); break;
            }
        }

        return limits;
    }

    private static TradingCircuitBreakerOptions Breaker(IConfigurationSection section, string path, List<OptionsError> errors)
    {
        var o = new TradingCircuitBreakerOptions();
        if (!IsSection(section, path, errors))
        {
            return o;
        }

        foreach (var child in section.GetChildren())
        {
            var p = $"{path}.{child.Key}";
            switch (child.Key)
            {
                case "rejectRateThreshold": o.RejectRateThreshold = Double(child, p, errors) ?? o.RejectRateThreshold; break;
                case "minimumThroughput": o.MinimumThroughput = Int(child, p, errors) ?? o.MinimumThroughput; break;
                case "samplingWindowSeconds": o.SamplingWindow = Seconds(child, p, errors) ?? o.SamplingWindow; break;
                case "consecutiveVenueErrors": o.ConsecutiveVenueErrors = Int(child, p, errors) ?? o.ConsecutiveVenueErrors; break;
                case "lossVelocity": o.LossVelocity = Double(child, p, errors); break;
                case "breakDurationSeconds": o.BreakDuration = Seconds(child, p, errors) ?? o.BreakDuration; break;
                case "halfOpenAcksToClose": o.HalfOpenAcksToClose = Int(child, p, errors) ?? o.HalfOpenAcksToClose; break;
                case "openState": o.OpenState = State(child, p, errors) ?? o.OpenState; break;
                default: errors.Add(new(p, "unknown key")); break;
            }
        }

        return o;
    }

    private static readonly (string Name, Journal.TradingJournalStoreKind Value)[] JournalStores =
        [("sqlite", Journal.TradingJournalStoreKind.Sqlite), ("postgres", Journal.TradingJournalStoreKind.PostgreSql)];

    private static readonly (string Name, Journal.TakeoverSource Value)[] TakeoverSources =
        [("journal", Journal.TakeoverSource.Journal), ("dropCopy", Journal.TakeoverSource.DropCopy)];

    /// <summary>The <c>trading.journal:</c> section; its bounds are the options' own (every error under <c>trading.journal.</c>).</summary>
    private static Journal.TradingJournalOptions JournalSection(IConfigurationSection section, string path, List<OptionsError> errors)
    {
        var o = new Journal.TradingJournalOptions();
        if (!IsSection(section, path, errors))
        {
            return o;
        }

        var before = errors.Count;
        foreach (var child in section.GetChildren())
        {
            var p = $"{path}.{child.Key}";
            switch (child.Key)
            {
                case "enabled":
                    if (Scalar(child, p, errors) is { } flag)
                    {
                        if (flag is "true" or "false")
                        {
                            o.Enabled = flag == "true";
                        }
                        else
                        {
                            errors.Add(new(p, $"expected true or false, got '{flag}'"));
                        }
                    }

                    break;
                case "store": o.Store = Choice(child, p, errors, JournalStores) ?? o.Store; break;
                case "path": o.Path = Scalar(child, p, errors) ?? o.Path; break;
                case "connectionString": o.ConnectionString = Scalar(child, p, errors); break;
                case "queueCapacity": o.QueueCapacity = Int(child, p, errors) ?? o.QueueCapacity; break;
                case "maximumBatch": o.MaximumBatch = Int(child, p, errors) ?? o.MaximumBatch; break;
                case "retryIntervalSeconds": o.RetryInterval = Seconds(child, p, errors) ?? o.RetryInterval; break;
                case "followIntervalSeconds": o.FollowInterval = Seconds(child, p, errors) ?? o.FollowInterval; break;
                case "takeover": o.Takeover = Choice(child, p, errors, TakeoverSources) ?? o.Takeover; break;
                default: errors.Add(new(p, "unknown key")); break;
            }
        }

        // The options' own bounds, each under its field's path (a value that failed to parse above is not reported twice).
        if (errors.Count == before && o.Enabled)
        {
            errors.AddRange(o.Validate());
        }

        return o;
    }

    private static T? Choice<T>(IConfigurationSection section, string path, List<OptionsError> errors, (string Name, T Value)[] choices)
        where T : struct
    {
        if (Scalar(section, path, errors) is not { } text)
        {
            return null;
        }

        foreach (var (name, value) in choices)
        {
            if (string.Equals(name, text, StringComparison.Ordinal))
            {
                return value;
            }
        }

        errors.Add(new(path, $"expected one of {string.Join(", ", choices.Select(c => c.Name))}, got '{text}'"));
        return null;
    }

    private static TradingSafetyBridgeOptions Bridge(IConfigurationSection section, string path, List<OptionsError> errors)
    {
        var o = new TradingSafetyBridgeOptions();
        if (!IsSection(section, path, errors))
        {
            return o;
        }

        foreach (var child in section.GetChildren())
        {
            var p = $"{path}.{child.Key}";
            switch (child.Key)
            {
                case "onSystemCritical": o.OnSystemCritical = State(child, p, errors) ?? o.OnSystemCritical; break;
                case "onSystemFailed": o.OnSystemFailed = State(child, p, errors) ?? o.OnSystemFailed; break;
                case "onSystemUnknown": o.OnSystemUnknown = State(child, p, errors) ?? o.OnSystemUnknown; break;
                case "restoreOnRecovery":
                    if (Scalar(child, p, errors) is not { } flag)
                    {
                        break;
                    }

                    if (bool.TryParse(flag, out var restore))
                    {
                        o.RestoreOnRecovery = restore;
                    }
                    else
                    {
                        errors.Add(new(p, "expected true or false"));
                    }

                    break;
                case "evaluationIntervalSeconds": o.EvaluationInterval = Seconds(child, p, errors) ?? o.EvaluationInterval; break;
                case "flushIntervalSeconds": o.FlushInterval = Seconds(child, p, errors) ?? o.FlushInterval; break;
                default: errors.Add(new(p, "unknown key")); break;
            }
        }

        return o;
    }

    private static RiskChecks ParseChecks(IConfigurationSection section, string path, List<OptionsError> errors)
    {
        if (IsEmpty(section))
        {
            // Never "no checks": an empty value is refused (Bind reports it), and binding carries on with the default.
            return RiskChecks.Default;
        }

        if (section.Value is { } single)
        {
            switch (single)
            {
                case "default": return RiskChecks.Default;
                case "all": return RiskChecks.All;
                default:
                    errors.Add(new(path, "expected 'default', 'all' or a list of check names"));
                    return RiskChecks.Default;
            }
        }

        var checks = RiskChecks.None;
        foreach (var item in section.GetChildren())
        {
            if (item.Value is { } name && CheckNames.TryGetValue(name, out var check))
            {
                checks |= check;
            }
            else
            {
                errors.Add(new($"{path}[{item.Key}]", $"unknown check '{item.Value}'; known: {string.Join(", ", CheckNames.Keys)}"));
            }
        }

        return checks;
    }

    private static TradingState? State(IConfigurationSection section, string path, List<OptionsError> errors)
    {
        if (Scalar(section, path, errors) is not { } value)
        {
            return null;
        }

        switch (value)
        {
            case "reducing": return TradingState.Reducing;
            case "halted": return TradingState.Halted;
            default:
                errors.Add(new(path, "expected 'reducing' or 'halted'"));
                return null;
        }
    }

    /// <summary>
    /// The key's single value, or null with an error: a list, a section, or a value that is empty, <c>~</c> or <c>null</c>.
    /// Leaving a key out gives its default; writing it without a value is a mistake, never "no limit".
    /// </summary>
    private static string? Scalar(IConfigurationSection section, string path, List<OptionsError> errors)
    {
        if (section.GetChildren().Any())
        {
            errors.Add(new(path, section.GetChildren().All(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                ? "must be a single value, got a list"
                : "must be a single value, got a section"));
            return null;
        }

        if (string.IsNullOrWhiteSpace(section.Value))
        {
            errors.Add(new(path, EmptyValue));
            return null;
        }

        return section.Value;
    }

    /// <summary>True when <paramref name="section"/> is a list (<c>- </c> items or <c>[a, b]</c>); else false with an error.</summary>
    private static bool IsList(IConfigurationSection section, string path, List<OptionsError> errors)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            errors.Add(new(path, $"must be a list, got '{section.Value}'"));
            return false;
        }

        var key = section.GetChildren().Select(c => c.Key).FirstOrDefault(k => !int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out _));
        if (key is not null)
        {
            errors.Add(new(path, $"must be a list (YAML '- ' items), got a section with key '{key}'"));
            return false;
        }

        return true;
    }

    /// <summary>True when <paramref name="section"/> is a section of keys; else false with an error.</summary>
    private static bool IsSection(IConfigurationSection section, string path, List<OptionsError> errors)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            errors.Add(new(path, $"must be a section of keys, got '{section.Value}'"));
            return false;
        }

        if (IsEmpty(section))
        {
            errors.Add(new(path, EmptyValue));
            return false;
        }

        if (section.GetChildren().Any() && section.GetChildren().All(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            errors.Add(new(path, "must be a section of keys, got a list"));
            return false;
        }

        return true;
    }

    /// <summary>A key written with nothing under it: <c>key:</c>, <c>key: ~</c>, <c>key: null</c>.</summary>
    private static bool IsEmpty(IConfigurationSection section) => string.IsNullOrEmpty(section.Value) && !section.GetChildren().Any();

    private static long? Long(IConfigurationSection section, string path, List<OptionsError> errors)
    {
        if (Scalar(section, path, errors) is not { } text)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            if (Math.Abs((double)value) <= MaximumValue)
            {
                return value;
            }

            errors.Add(new(path, $"must be at most {MaximumValue.ToString(CultureInfo.InvariantCulture)}, got '{text}'"));
            return null;
        }

        errors.Add(new(path, $"expected a whole number, got '{text}'"));
        return null;
    }

    /// <summary>A whole number that fits an int (a count or capacity); a larger one is refused, never truncated.</summary>
    private static int? Int(IConfigurationSection section, string path, List<OptionsError> errors)
    {
        if (Scalar(section, path, errors) is not { } text)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add(new(path, long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            ? $"must be a whole number from {int.MinValue.ToString(CultureInfo.InvariantCulture)} to {int.MaxValue.ToString(CultureInfo.InvariantCulture)}, got '{text}'"
            : $"expected a whole number, got '{text}'"));
        return null;
    }

    private static double? Double(IConfigurationSection section, string path, List<OptionsError> errors)
    {
        if (Scalar(section, path, errors) is not { } text)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            errors.Add(new(path, $"expected a finite number, got '{text}'"));
            return null;
        }

        if (Math.Abs(value) > MaximumValue)
        {
            errors.Add(new(path, $"must be at most {MaximumValue.ToString(CultureInfo.InvariantCulture)}, got '{text}'"));
            return null;
        }

        return value;
    }

    /// <summary>A duration in seconds: greater than 0 and at most <see cref="BulwarkDefaults.MaxDurationSeconds"/> (one day).</summary>
    private static TimeSpan? Seconds(IConfigurationSection section, string path, List<OptionsError> errors)
    {
        var before = errors.Count;
        if (Double(section, path, errors) is { } seconds && seconds is > 0 and <= BulwarkDefaults.MaxDurationSeconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (errors.Count == before)
        {
            errors.Add(new(path, $"must be a number of seconds greater than 0 and at most {BulwarkDefaults.MaxDurationSeconds.ToString(CultureInfo.InvariantCulture)}"));
        }

        return null;
    }
}
