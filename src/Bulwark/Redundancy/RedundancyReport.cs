namespace Bulwark.Redundancy;

/// <summary>
/// The answer of <c>ValidateRedundancy()</c> (the record's shape): the level reached (the lowest of the services'
/// healthy − N), the level required (<c>redundancyLevel</c>), whether every service reaches its own N+k, and every finding.
/// </summary>
public sealed record RedundancyReport
{
    /// <summary>When it was evaluated.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The lowest level any service reached (N+level); negative when a service is below N.</summary>
    public required int Level { get; init; }

    /// <summary>The level promised (<c>redundancyLevel</c>, services may set their own).</summary>
    public required int Required { get; init; }

    /// <summary>True when every service has at least N + k healthy replicas (false with no topology).</summary>
    public required bool Met { get; init; }

    /// <summary>Each service.</summary>
    public required IReadOnlyList<ServiceRedundancy> Services { get; init; }

    /// <summary>Every problem found, most severe first.</summary>
    public required IReadOnlyList<RedundancyFinding> Findings { get; init; }
}
