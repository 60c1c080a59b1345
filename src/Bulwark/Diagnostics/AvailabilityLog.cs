using Microsoft.Extensions.Logging;

namespace Bulwark.Diagnostics;

/// <summary>The availability monitor's log messages; event ids 200-299 are stable, never reuse one.</summary>
internal static partial class AvailabilityLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Availability refresh failed; the next one retries")]
    public static partial void RefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Burn-rate alert {Kind}: SLO {Slo}, policy {Policy}")]
    public static partial void Alert(ILogger logger, string kind, string slo, string policy);
}
