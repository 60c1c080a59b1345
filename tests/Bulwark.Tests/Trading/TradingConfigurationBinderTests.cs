using Bulwark.Tests.TestSupport;
using Bulwark.Trading;
using Microsoft.Extensions.Configuration;

namespace Bulwark.Tests.Trading;

public sealed class TradingConfigurationBinderTests
{
    private const string Valid = """
        trading:
          enabledChecks: all
          referencePriceMaximumAgeSeconds: 2
          lossLimitState: halted
          sessionStart: "07:30"
          orderCapacity: 4096
          firm:
            maximumOrderQuantity: 1000
            maximumOrderNotional: 1000000
            priceCollarPercent: 5
            maximumLongPosition: 5000
            maximumShortPosition: 5000
            maximumGrossExposure: 10000000
            maximumNetExposure: 5000000
            maximumWorkingOrders: 100
            maximumWorkingNotional: 2000000
            maximumMessagesPerSecond: 50
            maximumCancelsPerSecond: 100
            maximumDailyLoss: 50000
            maximumDrawdown: 30000
            maximumRepeatedExecutions: 20
          accounts:
            - name: ACC1
              maximumOrderQuantity: 500
            - name: ACC2
          strategies:
            - name: momo
              maximumLongPosition: 100
          instruments:
            - symbol: XYZ
              tickSize: 0.05
              lotSize: 10
              priceCollarTicks: 20
            - symbol: ABC
          restrictedSymbols: [ABC]
          circuitBreaker:
            consecutiveVenueErrors: 3
            openState: reducing
          bridge:
            onSystemCritical: halted
            restoreOnRecovery: true
        """;

    [Fact]
    public void Bind_ValidSection_BuildsAWorkingGate()
    {
        var result = Bind(Valid);
        Assert.Empty(result.Errors);
        var gate = result.Gate!;
        Assert.Equal(RiskChecks.All, gate.EnabledChecks);
        Assert.Equal(TimeSpan.FromSeconds(2), gate.ReferencePriceMaximumAge);
        Assert.Equal(TradingState.Halted, gate.LossLimitState);
        Assert.Equal(new TimeSpan(7, 30, 0), gate.SessionStart);
        Assert.Equal(["ACC1", "ACC2"], gate.Accounts);
        Assert.Equal(500, gate.AccountLimits["ACC1"].MaximumOrderQuantity);
        Assert.Equal(0.05, gate.Instruments["XYZ"].TickSize);
        Assert.Equal(20, gate.Instruments["XYZ"].Limits.PriceCollarTicks);
        Assert.Contains("ABC", gate.RestrictedSymbols);
        Assert.Equal(3, gate.CircuitBreaker.ConsecutiveVenueErrors);
        Assert.Equal(TradingState.Halted, result.Bridge!.OnSystemCritical);
        Assert.True(result.Bridge.RestoreOnRecovery);

        var riskGate = new RiskGate(gate);
        riskGate.UpdateReferencePrice(riskGate.GetSymbolId("XYZ"), 100);
        var order = new OrderRequest(1, riskGate.GetAccountId("ACC1"), riskGate.GetStrategyId("momo"), riskGate.GetSymbolId("XYZ"), OrderSide.Buy, 510, 100);
        Assert.Equal(RiskRejectReason.MaximumOrderQuantity, riskGate.Check(in order).Reason);
    }

    [Fact]
    public void Bind_Errors_AllReportedWithTheirPaths()
    {
        var yaml = Valid
            .Replace("maximumOrderQuantity: 500", "maximumOrderQuantity: lots", StringComparison.Ordinal)
            .Replace("- name: ACC2", "- name: ACC2\n      maxOrderQty: 5", StringComparison.Ordinal)
            .Replace("priceCollarTicks: 20", "priceCollarTicks: -3", StringComparison.Ordinal)
            .Replace("openState: reducing", "openState: closed", StringComparison.Ordinal)
            .Replace("restrictedSymbols: [ABC]", "restrictedSymbols: [NOPE]", StringComparison.Ordinal);
        var result = Bind(yaml);
        Assert.Null(result.Gate);
        var paths = result.Errors.Select(e => e.Path).ToHashSet();
        Assert.Contains("trading.accounts[0].maximumOrderQuantity", paths);
        Assert.Contains("trading.accounts[1].maxOrderQty", paths);
        Assert.Contains("trading.instruments[0].priceCollarTicks", paths);
        Assert.Contains("trading.circuitBreaker.openState", paths);
        Assert.Contains("trading.restrictedSymbols", paths);
    }

    private static TradingConfiguration Bind(string yaml)
    {
        using var directory = new TempDirectory();
        var file = directory.File("bulwark.yaml");
        File.WriteAllText(file, yaml);
        var configuration = new ConfigurationBuilder().AddYamlFile(file, optional: false).Build();
        return TradingConfigurationBinder.Bind(configuration.GetSection("trading"));
    }
}
