namespace Bulwark.Recovery;

/// <summary>One run of a plan as the event log tells it: trigger, steps, validation, rollback, outcome and time.</summary>
internal sealed record RecoveryExecution
{
    public required string Id { get; init; }

    public required string Plan { get; init; }

    public required string Subject { get; init; }

    public required string Trigger { get; init; }

    public string? TriggerKind { get; init; }

    public string? By { get; init; }

    public string? Reason { get; init; }

    public long? Request { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>succeeded, failed, timed out, interrupted, or running.</summary>
    public string Outcome { get; set; } = "running";

    public double? DurationSeconds { get; set; }

    public double? MaxRecoveryTimeSeconds { get; init; }

    public bool? SlaMet { get; set; }

    public string? Cause { get; set; }

    public List<RecoveryStepRecord> Steps { get; } = [];

    public string? Validation { get; set; }

    public string? Rollback { get; set; }

    /// <summary>Triggers that came while it ran and were folded into it.</summary>
    public int Coalesced { get; set; }

    public bool IsFinished => FinishedAt is not null;
}

/// <summary>One step of a run: name, what it did, outcome, attempts, time and the end of its output.</summary>
internal sealed record RecoveryStepRecord
{
    public required string Name { get; init; }

    public string? Description { get; set; }

    public string Outcome { get; set; } = "running";

    public int? Attempts { get; set; }

    public double? DurationSeconds { get; set; }

    public string? Output { get; set; }

    public string? Error { get; set; }
}
