using Bulwark.Configuration;
using Bulwark.Tests.TestSupport;

namespace Bulwark.Tests.Configuration;

/// <summary>
/// The findings of issue 11, one test each: values that `bulwark config check` called valid and that loosened a limit,
/// crashed a loop or promised something nothing does. Each is now refused, naming its field.
/// </summary>
public sealed class NoLooserLimitTests : IDisposable
{
    /// <summary>A trading section whose firm limit would be enforced by the default checks.</summary>
    private const string Trading = """
        trading:
          enabledChecks: default
          orderCapacity: 1024
          firm:
            maximumOrderQuantity: 10
            maximumDailyLoss: 1000
            maximumDrawdown: 1000
            maximumRepeatedExecutions: 20
          accounts:
            - name: ACC1
              maximumOrderQuantity: 5
          strategies:
            - name: momo
          instruments:
            - symbol: XYZ
              tickSize: 0.01
              lotSize: 10
              multiplier: 2
            - symbol: ABC
          restrictedSymbols: [ABC]

        """;

    private readonly ConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Baseline_IsValid_AndKeepsItsLimits()
    {
        var options = _files.LoadValid(ConfigurationFiles.Valid + Trading);

        var trading = options.Trading!;
        Assert.Equal(Bulwark.Trading.RiskChecks.Default, trading.EnabledChecks);
        Assert.Equal(5, trading.AccountLimits["ACC1"].MaximumOrderQuantity);
        Assert.Equal((10, 2.0), (trading.Instruments["XYZ"].LotSize, trading.Instruments["XYZ"].Multiplier));
        Assert.Equal(["ABC"], trading.RestrictedSymbols);
    }

    [Theory]
    [InlineData("~")]
    [InlineData("null")]
    [InlineData("Null")]
    [InlineData("NULL")]
    [InlineData("")]
    [InlineData("''")]
    public void EnabledChecks_WithoutAValue_IsRefused_NeverNoChecks(string value) =>
        // Before: every configurable check off, with a firm maximumOrderQuantity nothing enforced.
        _files.LoadSingleError(
            ConfigurationFiles.Valid + Change("enabledChecks: default", $"enabledChecks: {value}"),
            "trading.enabledChecks",
            "must not be empty");

    [Theory]
    [InlineData("      maximumOrderQuantity: 5", "      maximumOrderQuantity: ~", "trading.accounts[0].maximumOrderQuantity")]
    [InlineData("      maximumOrderQuantity: 5", "      maximumOrderQuantity: [5]", "trading.accounts[0].maximumOrderQuantity")]
    [InlineData("  firm:\n    maximumOrderQuantity: 10", "  firm:\n    maximumOrderQuantity:", "trading.firm.maximumOrderQuantity")]
    [InlineData("  firm:\n    maximumOrderQuantity: 10", "  firm: ~\n  unused:\n    maximumOrderQuantity: 10", "trading.firm")]
    [InlineData("      multiplier: 2", "      multiplier: ~", "trading.instruments[0].multiplier")]
    [InlineData("      lotSize: 10", "      lotSize: ~", "trading.instruments[0].lotSize")]
    [InlineData("      lotSize: 10", "      lotSize: null", "trading.instruments[0].lotSize")]
    [InlineData("      tickSize: 0.01", "      tickSize: ~", "trading.instruments[0].tickSize")]
    public void Limit_WithoutAValue_IsRefused_NeverUnsetOrOne(string find, string replacement, string path)
    {
        // Before: ~ unset the account's limit (the looser firm one applied) and made multiplier and lotSize 1.
        var result = _files.Load(ConfigurationFiles.Valid + Change(find, replacement));

        Assert.Null(result.Options);
        Assert.Contains(result.Errors, e => e.Path == path);
    }

    [Theory]
    [InlineData("restrictedSymbols: ABC", "must be a list, got 'ABC'")]
    [InlineData("restrictedSymbols: ~", "must not be empty")]
    [InlineData("restrictedSymbols: [ABC, ~]", "must not be empty")]
    [InlineData("restrictedSymbols: {symbol: ABC}", "must be a list")]
    public void RestrictedSymbols_NotAListOfSymbols_IsRefused(string replacement, string message)
    {
        // Before: a scalar restricted nothing, and an empty item was dropped.
        var error = Assert.Single(_files.Load(ConfigurationFiles.Valid + Change("restrictedSymbols: [ABC]", replacement)).Errors);

        Assert.StartsWith("trading.restrictedSymbols", error.Path, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("orderCapacity: 4294968320", "must be a whole number from -2147483648 to 2147483647")] // (int) 4294968320 is 1024: it was valid
    [InlineData("orderCapacity: 1e300", "expected a whole number")]
    public void OrderCapacity_ThatDoesNotFitAnInt_IsRefused_NeverTruncated(string replacement, string message) =>
        _files.LoadSingleError(ConfigurationFiles.Valid + Change("orderCapacity: 1024", replacement), "trading.orderCapacity", message);

    [Theory]
    [InlineData("  - name: ACC1\n      maximumOrderQuantity: 5", "  - name: ACC1\n      maximumOrderQuantity: 99999999999999999999")]
    [InlineData("      multiplier: 2", "      multiplier: 1e300")]
    [InlineData("      multiplier: 2", "      multiplier: NaN")]
    [InlineData("      multiplier: 2", "      multiplier: .inf")]
    public void TradingNumber_TooLargeOrNotFinite_IsRefused(string find, string replacement)
    {
        var result = _files.Load(ConfigurationFiles.Valid + Change(find, replacement));

        Assert.Null(result.Options);
        Assert.Single(result.Errors);
    }

    [Theory]
    [InlineData("checkIntervalSeconds: 5", "checkIntervalSeconds: 1e300", "checkIntervalSeconds")]
    [InlineData("checkIntervalSeconds: 5", "checkIntervalSeconds: 5000000", "checkIntervalSeconds")]
    [InlineData("intervalSeconds: 10", "intervalSeconds: 1e300", "components[0].checks[1].intervalSeconds")]
    [InlineData("intervalSeconds: 10", "intervalSeconds: 5000000", "components[0].checks[1].intervalSeconds")]
    [InlineData("timeoutSeconds: 2", "timeoutSeconds: 5000000", "components[0].checks[0].timeoutSeconds")]
    [InlineData("staleAfterSeconds: 15", "staleAfterSeconds: 1e300", "components[1].checks[1].staleAfterSeconds")]
    [InlineData("maxRecoveryTimeSeconds: 60", "maxRecoveryTimeSeconds: 1e300", "maxRecoveryTimeSeconds")]
    [InlineData("maxRecoveryTimeSeconds: 60", "maxRecoveryTimeSeconds: 5000000", "maxRecoveryTimeSeconds")]
    public void Duration_BeyondWhatTheCodeHandles_IsRefused(string find, string replacement, string path) =>
        // Before: 1e300 threw OverflowException in SafetyManager; 5000000 s (over 49.7 days) made Task.Delay throw outside
        // its try, so the check loop died after one run. maxRecoveryTimeSeconds overflowed without a recovery section.
        _files.LoadSingleError(ConfigurationFiles.ValidWith(find, replacement), path, "must be at most");

    [Theory]
    [InlineData("leaseSeconds: 2", "leaseSeconds: 1e300", "failover.groups[0].leaseSeconds")]
    [InlineData("leaseSeconds: 2", "leaseSeconds: 5000000", "failover.groups[0].leaseSeconds")]
    [InlineData("renewIntervalSeconds: 0.5", "renewIntervalSeconds: 1e300", "failover.groups[0].renewIntervalSeconds")]
    [InlineData("retryIntervalSeconds: 0.1", "retryIntervalSeconds: 5000000", "failover.groups[0].retryIntervalSeconds")]
    [InlineData("safetyMarginSeconds: 0.5", "safetyMarginSeconds: 1e300", "failover.groups[0].safetyMarginSeconds")]
    public void LeaseDuration_BeyondWhatTheCodeHandles_IsRefused(string find, string replacement, string path)
    {
        const string failover = """
            failover:
              replica: r1
              groups:
                - name: engines
                  leaseSeconds: 2
                  renewIntervalSeconds: 0.5
                  retryIntervalSeconds: 0.1
                  safetyMarginSeconds: 0.5

            """;
        var result = _files.Load(ConfigurationFiles.Valid + ConfigurationFiles.Change(failover, find, replacement));

        Assert.Null(result.Options);
        Assert.Contains(result.Errors, e => e.Path == path && e.Message.Contains("must be at most", StringComparison.Ordinal));
    }

    [Fact]
    public void SloWindow_BeyondAYear_IsRefused() =>
        // Before: windowDays: 1e300 was valid, and TimeSpan.FromDays overflowed when the monitor built the SLO.
        _files.LoadSingleError(
            ConfigurationFiles.Valid + "availability:\n  slos:\n    - name: up\n      subject: system\n      windowDays: 1e300\n",
            "availability.slos[0].windowDays",
            "must be at most 366 days");

    [Fact]
    public void CodeBuiltOptions_WithAnIntervalTheLoopCannotWait_AreRefusedAtStart()
    {
        using var dir = new TempDirectory();
        var options = new BulwarkOptions { DataDirectory = dir.Path, CheckIntervalSeconds = 5_000_000 };
        options.Components.Add(new ComponentOptions { Name = "web", Checks = { new CheckOptions { Type = CheckType.Heartbeat, IntervalSeconds = 1e300 } } });

        var error = Assert.Throws<BulwarkOptionsException>(() => SafetySystem.Create(options));

        Assert.Equal(["checkIntervalSeconds", "components[0].checks[0].intervalSeconds"], error.Errors.Select(e => e.Path));
    }

    [Theory]
    [InlineData("dataDirectory: .bulwark", "dataDirectory: ~", "dataDirectory")]
    [InlineData("url: http://127.0.0.1:8080/health", "url: null", "components[0].checks[0].url")]
    [InlineData("expectedStatus: 200-299", "expectedStatus:", "components[0].checks[0].expectedStatus")]
    [InlineData("criticality: critical", "criticality: ~", "components[0].criticality")]
    [InlineData("failureThreshold: 3", "failureThreshold: ~", "components[0].failureThreshold")]
    [InlineData("name: strategy", "name: \"   \"", "components[1].name")]
    [InlineData("    checks:\n      - type: process", "    checks: ~\n    unused:\n      - type: process", "components[1].checks")]
    [InlineData("command: /bin/true", "command: /bin/true\n        args: [--quiet, ~]", "components[1].checks[2].args[1]")]
    public void AnyKey_WrittenWithoutAValue_IsRefused_NotTakenAsAbsent(string find, string replacement, string path)
    {
        var result = _files.Load(ConfigurationFiles.ValidWith(find, replacement));

        Assert.Null(result.Options);
        Assert.Contains(result.Errors, e => e.Path == path && e.Message.StartsWith("must not be empty", StringComparison.Ordinal));
    }

    [Fact]
    public void EmptyArgument_Quoted_IsStillAnArgument() =>
        Assert.Equal(["-c", ""], _files.LoadValid(ConfigurationFiles.ValidWith("command: /bin/true", "command: /bin/true\n        args: [-c, \"\"]"))
            .Components[1].Checks[2].Args);

    [Fact]
    public void NotBuiltYet_IsOneTable_AndRecoveryIsNotInIt()
    {
        // The table is where a section goes until it is built: trading, recovery, redundancy and server are read by their binders.
        Assert.Empty(BulwarkConfiguration.NotBuiltYet);
        Assert.Equal(["trading", "recovery", "redundancy", "server"], BulwarkConfiguration.DelegatedSections);
        Assert.Null(BulwarkConfiguration.NotBuilt("server"));
        Assert.Null(BulwarkConfiguration.NotBuilt("recovery"));
        Assert.Null(BulwarkConfiguration.NotBuilt("redundancyLevel"));
    }

    private static string Change(string find, string replacement) => ConfigurationFiles.Change(Trading, find, replacement);
}
