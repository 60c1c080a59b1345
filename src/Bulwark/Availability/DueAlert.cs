namespace Bulwark.Availability;

/// <summary>A burn-rate alert whose conditions hold at the time of asking.</summary>
public sealed record DueAlert
{
    /// <summary>The policy, e.g. <c>page-1h-5m</c>.</summary>
    public required string Policy { get; init; }

    /// <summary><c>page</c> or <c>ticket</c>.</summary>
    public required string Severity { get; init; }

    /// <summary>The burn rate both windows are above.</summary>
    public required double Factor { get; init; }

    /// <summary>The long window, e.g. <c>1h</c>.</summary>
    public required string LongWindow { get; init; }

    /// <summary>The burn rate over the long window.</summary>
    public required double LongRate { get; init; }

    /// <summary>The short window, e.g. <c>5m</c>.</summary>
    public required string ShortWindow { get; init; }

    /// <summary>The burn rate over the short window.</summary>
    public required double ShortRate { get; init; }

    /// <summary>Whether the log records it as fired (and not resolved since).</summary>
    public required bool Fired { get; init; }
}
