namespace Bulwark.Redundancy;

/// <summary>
/// The answer of <c>ValidateRedundancy()</c> (the record's shape): the level reached and the level required of the
/// tightest service (the one with the least margin, healthy − N − k), whether every service reaches its own N+k, and
/// every finding. With no topology, the level required is <c>redundancyLevel</c> and it is not met.
/// </summary>
public sealed record RedundancyReport
{
    /// <summary>When it was evaluated.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The level the tightest service reached (N+level); negative when it is below N.</summary>
    public required int Level { get; init; }

    /// <summary>The level the tightest service must keep (its k: its own level, else <c>redundancyLevel</c>).</summary>
    public required int Required { get; init; }

    /// <summary>True when every service has at least N + k healthy replicas (false with no topology).</summary>
    public required bool Met { get; init; }

    /// <summary>Each service.</summary>
    public required IReadOnlyList<ServiceRedundancy> Services { get; init; }

    /// <summary>Every problem found, most severe first.</summary>
    public required IReadOnlyList<RedundancyFinding> Findings { get; init; }
}
