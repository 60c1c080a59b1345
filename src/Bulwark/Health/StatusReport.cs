namespace Bulwark;

/// <summary>The state of the whole system at one moment, as <c>bulwark status</c> shows it.</summary>
public sealed record StatusReport
{
    /// <summary>When the running safety system wrote this report.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The system state.</summary>
    public required SafetyState System { get; init; }

    /// <summary>Since when the system has been in <see cref="System"/>.</summary>
    public DateTimeOffset? SystemSince { get; init; }

    /// <summary>When the event store cannot be written, why; the system is then at best Critical.</summary>
    public string? StoreFault { get; init; }

    /// <summary>What holds the system at Critical beyond its checks (for example a kill switch engaged and not yet on the store).</summary>
    public IReadOnlyList<string> Holds { get; init; } = [];

    /// <summary>Process id of the writer, so a reader can tell which process reported.</summary>
    public int ProcessId { get; init; }

    /// <summary>Every component, in configuration order.</summary>
    public required IReadOnlyList<ComponentStatus> Components { get; init; }
}

/// <summary>One component's state and its checks.</summary>
public sealed record ComponentStatus
{
    /// <summary>The component's name.</summary>
    public required string Name { get; init; }

    /// <summary>How it counts toward the system state.</summary>
    public required Criticality Criticality { get; init; }

    /// <summary>Its state.</summary>
    public required SafetyState State { get; init; }

    /// <summary>Since when it has been in <see cref="State"/>.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Its checks, in configuration order.</summary>
    public required IReadOnlyList<CheckReport> Checks { get; init; }
}

/// <summary>One check: its settled condition and its latest result.</summary>
public sealed record CheckReport
{
    /// <summary>The check's name within its component.</summary>
    public required string Name { get; init; }

    /// <summary>The check's type.</summary>
    public required CheckType Type { get; init; }

    /// <summary>The settled condition after thresholds.</summary>
    public required CheckCondition Condition { get; init; }

    /// <summary>Failed results in a row.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Good results in a row.</summary>
    public int ConsecutiveSuccesses { get; init; }

    /// <summary>The latest result, or null before the first run finished.</summary>
    public CheckStatus? LastStatus { get; init; }

    /// <summary>What the latest run saw.</summary>
    public string? LastDescription { get; init; }

    /// <summary>The exception of the latest run, if it threw.</summary>
    public string? LastException { get; init; }

    /// <summary>How long the latest run took, in milliseconds.</summary>
    public double? LastDurationMs { get; init; }

    /// <summary>When the latest run finished.</summary>
    public DateTimeOffset? LastRunAt { get; init; }
}
