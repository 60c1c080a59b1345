using Microsoft.Extensions.Logging;

namespace Bulwark.Trading;

/// <summary>Trading log messages, all off the order path; event ids are stable (300-399), never reuse one.</summary>
internal static partial class TradingLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "Trading bridge loop failed ({PendingEvents} events waiting); retried at the next interval")]
    public static partial void LoopFailed(ILogger logger, Exception exception, int pendingEvents);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Kill switches restored from the event store: {Scopes}")]
    public static partial void KillSwitchesRestored(ILogger logger, string scopes);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "Trading journal store failed ({PendingRows} rows waiting); new orders held, retrying")]
    public static partial void JournalStoreFailed(ILogger logger, Exception exception, long pendingRows);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "Gate rebuilt from the trading journal: {Rows} rows applied, up to sequence {Sequence}")]
    public static partial void JournalRebuilt(ILogger logger, long rows, long sequence);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "Trading journal refused {Rows} rows as stale: the store holds term {HighestToken}")]
    public static partial void JournalRefusedStale(ILogger logger, int rows, long highestToken);

    [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "Term {Token}: journal read up to sequence {Sequence} before the first order")]
    public static partial void TakeoverCaughtUp(ILogger logger, long token, long sequence);

    [LoggerMessage(EventId = 306, Level = LogLevel.Error, Message = "Term {Token}: reading the journal failed; the gate stays held")]
    public static partial void TakeoverFailed(ILogger logger, Exception exception, long token);

    [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "Positions reconciled from a drop copy as of {AsOf} by {Who}")]
    public static partial void Reconciled(ILogger logger, string who, DateTimeOffset asOf);

    [LoggerMessage(EventId = 308, Level = LogLevel.Warning, Message = "Following the trading journal failed; retried at the next interval, and a takeover reads what was missed")]
    public static partial void JournalFollowFailed(ILogger logger, Exception exception);
}
