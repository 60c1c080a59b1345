using Microsoft.Extensions.Logging;

namespace Bulwark.Recovery;

/// <summary>The recovery system's log messages; event ids 600-699 are stable, never reuse one.</summary>
internal static partial class RecoveryLog
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Supervisor {Kind}: {Description}")]
    public static partial void Process(ILogger logger, ProcessEventKind kind, string description);

    [LoggerMessage(EventId = 601, Level = LogLevel.Error, Message = "Supervised process {Process} replica {Replica} did not start: {Error}")]
    public static partial void StartFailed(ILogger logger, string process, int replica, string error);

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning, Message = "Cannot watch {Process} replica {Replica} for its exit")]
    public static partial void WatchFailed(ILogger logger, string process, int replica, Exception exception);

    [LoggerMessage(EventId = 603, Level = LogLevel.Warning, Message = "{Process} replica {Replica} (pid {Pid}) still ran {Grace} s after its stop signal ({Why}); killed its tree")]
    public static partial void StopKilled(ILogger logger, string process, int replica, int pid, double grace, string why);

    [LoggerMessage(EventId = 604, Level = LogLevel.Error, Message = "A recovery subscriber threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 610, Level = LogLevel.Warning, Message = "Recovery {Plan} for {Subject} started: {Trigger}")]
    public static partial void PlanStarted(ILogger logger, string plan, string subject, string trigger);

    [LoggerMessage(EventId = 611, Level = LogLevel.Warning, Message = "Recovery {Plan} for {Subject} {Outcome} in {Seconds} s: {Cause}")]
    public static partial void PlanFinished(ILogger logger, string plan, string subject, string outcome, double seconds, string cause);

    [LoggerMessage(EventId = 612, Level = LogLevel.Information, Message = "Recovery {Plan} for {Subject} already running; trigger coalesced: {Trigger}")]
    public static partial void Coalesced(ILogger logger, string plan, string subject, string trigger);

    [LoggerMessage(EventId = 613, Level = LogLevel.Error, Message = "Recovery {Plan} for {Subject} escalated: {Cause}")]
    public static partial void Escalated(ILogger logger, string plan, string subject, string cause);

    [LoggerMessage(EventId = 614, Level = LogLevel.Error, Message = "A recovery event ({Kind}, {Subject}) could not be written; the recovery goes on")]
    public static partial void RecordFailed(ILogger logger, Exception exception, string kind, string subject);

    [LoggerMessage(EventId = 615, Level = LogLevel.Warning, Message = "Recovery trigger loop failed; the next poll retries")]
    public static partial void PollFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 616, Level = LogLevel.Error, Message = "Recovery {Plan} crashed")]
    public static partial void PlanCrashed(ILogger logger, Exception exception, string plan);
}
