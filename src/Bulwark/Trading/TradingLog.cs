using Microsoft.Extensions.Logging;

namespace Bulwark.Trading;

/// <summary>Trading log messages, all off the order path; event ids are stable (300-399), never reuse one.</summary>
internal static partial class TradingLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "Trading bridge loop failed ({PendingEvents} events waiting); retried at the next interval")]
    public static partial void LoopFailed(ILogger logger, Exception exception, int pendingEvents);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Kill switches restored from the event store: {Scopes}")]
    public static partial void KillSwitchesRestored(ILogger logger, string scopes);
}
