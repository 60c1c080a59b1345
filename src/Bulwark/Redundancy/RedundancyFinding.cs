namespace Bulwark.Redundancy;

/// <summary>
/// One problem the redundancy checks found: how bad, what kind (<c>below-capacity</c>, <c>level-short</c>,
/// <c>replica-unhealthy</c>, <c>standby-not-ready</c>, <c>spof-service</c>, <c>spof-host</c>, <c>zone-spread</c>,
/// <c>region-spread</c>, <c>standbys-one-zone</c>, <c>geographic-one-region</c>, <c>geographic-shared-host</c>,
/// <c>no-topology</c>), what it is about, and a plain explanation.
/// </summary>
public sealed record RedundancyFinding(FindingSeverity Severity, string Kind, string Subject, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Severity.ToString().ToLowerInvariant()} {Kind} {Subject}: {Message}";
}
