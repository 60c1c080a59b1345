namespace Bulwark.Server.Writes;

/// <summary><c>POST /api/v1/kill-switch</c>: scope <c>firm</c>, <c>account:ID</c>, <c>strategy:ID</c> or <c>symbol:SYM</c>.</summary>
internal sealed record KillSwitchRequest(string? Scope, bool? Engage, string? Reason);

/// <summary>The kill switch of a scope after the change.</summary>
internal sealed record KillSwitchResponse(string Scope, bool Engaged, string By, string Reason, bool Durable, string? Warning);

/// <summary><c>POST /api/v1/incidents/{id}/ack</c> and <c>/resolve</c>.</summary>
internal sealed record IncidentNoteRequest(string? Note);

/// <summary>The incident after the action, and the audit event's sequence.</summary>
internal sealed record IncidentActionResponse(string Id, string Action, string By, string Note, long Event, bool Open, string? AcknowledgedBy, string? ResolvedBy);

/// <summary>
/// <c>POST /api/v1/recoveries</c> (plan: a recovery plan's name) and <c>POST /api/v1/drills</c> (plan:
/// <c>failover:GROUP</c> or <c>zone:ZONE</c>). A dry run changes nothing and needs no reason.
/// </summary>
internal sealed record PlanRequest(string? Plan, bool? DryRun, string? Reason, string? Signal, bool? Force, double? TimeoutSeconds);

/// <summary><c>POST /api/v1/failover/switchover</c>.</summary>
internal sealed record SwitchoverRequest(string? Group, string? To, string? Reason, double? TimeoutSeconds);

/// <summary>How a switchover ended: the target leads (with its new token), or it did not take over in time.</summary>
internal sealed record SwitchoverResponse(string Group, string? From, string To, long? TokenBefore, long? TokenAfter, double Seconds, bool Completed, bool AlreadyLeading, string By, string Reason, string Detail);

/// <summary>A dry run: what would run, changed nothing.</summary>
internal sealed record DryRunResponse(string Plan, bool DryRun, IReadOnlyList<string> Steps);

/// <summary>
/// Long work accepted (202): where to poll it. <see cref="Status"/> is <c>running</c>, then <c>succeeded</c>, <c>unknown</c> (still running when following stopped),
/// <c>failed</c>, <c>refused</c> or <c>interrupted</c>; <see cref="Result"/> holds the report (JSON) once done.
/// </summary>
internal sealed record OperationView(string Id, string Kind, string Plan, string By, string Reason, string Status, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt,
    string? Detail, IReadOnlyList<string> Progress, System.Text.Json.JsonElement? Result);

/// <summary>The limits applied: the audit event is written.</summary>
internal sealed record LimitsResponse(bool Applied, string By, string Reason, string EnabledChecks);
