namespace Bulwark.Recovery;

/// <summary>
/// The evidence of every recovery event, one shape for all kinds (unused fields stay out of the JSON). Read back by
/// <see cref="RecoveryHistory"/>; field names are part of the stored format.
/// </summary>
internal sealed record RecoveryEvidence
{
    public string? Execution { get; init; }

    public string? Plan { get; init; }

    public string? Trigger { get; init; }

    public string? TriggerKind { get; init; }

    public string? By { get; init; }

    public string? Reason { get; init; }

    public long? Request { get; init; }

    public bool? DryRun { get; init; }

    public string? Step { get; init; }

    public string? Action { get; init; }

    public string? Description { get; init; }

    public string? Outcome { get; init; }

    public int? Attempts { get; init; }

    public double? DurationSeconds { get; init; }

    public double? MaxRecoveryTimeSeconds { get; init; }

    public bool? SlaMet { get; init; }

    public string? Output { get; init; }

    public string? Error { get; init; }

    public IReadOnlyList<string>? Plans { get; init; }

    public string? Process { get; init; }

    public int? Replica { get; init; }

    public int? Pid { get; init; }

    public int? PreviousPid { get; init; }

    public int? ExitCode { get; init; }

    public double? RanForSeconds { get; init; }
}
