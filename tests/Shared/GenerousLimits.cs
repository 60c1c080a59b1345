using Bulwark.Trading;

namespace Bulwark.Tests.Shared;

/// <summary>Every limit set generously at firm scope, so a test tightens the one it is about and the rest stay out of the way.</summary>
public static class GenerousLimits
{
    public static RiskLimits Create() => new()
    {
        MaximumOrderQuantity = 1_000_000,
        MaximumOrderNotional = 1e12,
        PriceCollarPercent = 50,
        PriceCollarTicks = 1_000_000,
        MaximumLongPosition = 10_000_000,
        MaximumShortPosition = 10_000_000,
        MaximumGrossExposure = 1e13,
        MaximumNetExposure = 1e13,
        MaximumWorkingOrders = 1_000_000,
        MaximumWorkingNotional = 1e13,
        MaximumMessagesPerSecond = 1_000_000,
        MaximumCancelsPerSecond = 2_000_000,
        MaximumDailyLoss = 1e12,
        MaximumDrawdown = 1e12,
        MaximumRepeatedExecutions = 1_000_000,
    };
}
