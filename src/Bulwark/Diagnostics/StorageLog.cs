using Microsoft.Extensions.Logging;

namespace Bulwark.Diagnostics;

/// <summary>The embedded store's log messages; event ids are stable, never reuse one.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 150, Level = LogLevel.Warning, Message = "Store permissions: {Warning}")]
    public static partial void LoosePermissions(ILogger logger, string warning);
}
