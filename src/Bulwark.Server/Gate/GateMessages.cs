namespace Bulwark.Server.Gate;

/// <summary><c>POST /api/v1/orders/check</c>: one order an engine wants to send.</summary>
internal sealed record OrderCheckRequest(
    string? Account, string? Strategy, string? Symbol, string? Side, long? Quantity, double? Price, string? Type, long? ClientOrderId);

/// <summary>
/// The gate's decision: <c>reason</c> the <c>RiskRejectReason</c> name when rejected (null when accepted), <c>limit</c>
/// and <c>value</c> what tripped (null when there is no number), <c>fencingToken</c> the term to stamp on an accepted
/// order (0 when the gate does not require leadership).
/// </summary>
internal sealed record OrderCheckResponse(bool Accepted, string? Reason, double? Limit, double? Value, long FencingToken);

/// <summary><c>POST /api/v1/executions</c>: an ack, fill, cancel or reject of a checked order.</summary>
internal sealed record ExecutionRequest(string? Type, long? ClientOrderId, long? ExecutionId, long? Quantity, double? Price, bool? VenueError);

/// <summary>Whether the gate applied the report (false: an unknown or finished order, or a fill already applied).</summary>
internal sealed record ExecutionResponse(bool Applied, string Type, long ClientOrderId, string? Detail);

/// <summary><c>POST /api/v1/marks</c>: a symbol's reference price (last trade or mid), for collars and market orders.</summary>
internal sealed record MarkRequest(string? Symbol, double? Price);

/// <summary>The mark taken.</summary>
internal sealed record MarkResponse(string Symbol, double Price);
