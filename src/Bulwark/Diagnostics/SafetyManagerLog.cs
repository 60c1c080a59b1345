using Microsoft.Extensions.Logging;

namespace Bulwark.Diagnostics;

/// <summary>SafetyManager's log messages; event ids are stable, never reuse one.</summary>
internal static partial class SafetyManagerLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Bulwark started: {ComponentCount} components, {CheckCount} checks, store {Store}")]
    public static partial void Started(ILogger logger, int componentCount, int checkCount, string store);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Bulwark stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Component {Component}: {From} -> {To} ({Cause})")]
    public static partial void ComponentTransition(ILogger logger, string component, SafetyState from, SafetyState to, string cause);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "System: {From} -> {To} ({Cause})")]
    public static partial void SystemTransition(ILogger logger, SafetyState from, SafetyState to, string cause);

    [LoggerMessage(EventId = 120, Level = LogLevel.Debug, Message = "Check {Component}/{Check}: {Status} in {DurationMs} ms: {Description}")]
    public static partial void CheckCompleted(ILogger logger, string component, string check, CheckStatus status, double durationMs, string description);

    [LoggerMessage(EventId = 121, Level = LogLevel.Error, Message = "Check loop {Component}/{Check} crashed; it is restarted after one interval")]
    public static partial void CheckLoopCrashed(ILogger logger, Exception exception, string component, string check);

    [LoggerMessage(EventId = 130, Level = LogLevel.Error, Message = "Event store append failed for {Kind} {Subject}; the system is held at Critical until the store works again")]
    public static partial void StoreAppendFailed(ILogger logger, Exception exception, string kind, string subject);

    [LoggerMessage(EventId = 131, Level = LogLevel.Information, Message = "Event store writable again")]
    public static partial void StoreRecovered(ILogger logger);

    [LoggerMessage(EventId = 132, Level = LogLevel.Warning, Message = "Status snapshot write failed")]
    public static partial void StatusWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 140, Level = LogLevel.Error, Message = "A transition subscriber threw; other subscribers still ran")]
    public static partial void SubscriberFailed(ILogger logger, Exception exception);
}
