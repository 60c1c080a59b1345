namespace Bulwark.Recovery;

/// <summary>
/// One automatic start of a plan. Exactly one kind is set: <see cref="State"/> (with <see cref="Checks"/>),
/// <see cref="Alert"/>, <see cref="Incident"/>, <see cref="Failover"/> or <see cref="ProcessExit"/>.
/// </summary>
public sealed class RecoveryTriggerOptions
{
    /// <summary>The component watched by <see cref="State"/> and <see cref="Incident"/>; the plan's component when null.</summary>
    public string? Component { get; set; }

    /// <summary>A component state that starts the plan once held for <see cref="Checks"/> checks (for example Failed).</summary>
    public SafetyState? State { get; set; }

    /// <summary>How many checks in a row the state must hold (1: at once). Default 1.</summary>
    public int Checks { get; set; } = 1;

    /// <summary>The name of an SLO whose burn-rate alert starts the plan when it fires.</summary>
    public string? Alert { get; set; }

    /// <summary>True: an incident opened on the component starts the plan.</summary>
    public bool Incident { get; set; }

    /// <summary>A failover group whose failover failed (over the recovery-time SLA) starts the plan.</summary>
    public string? Failover { get; set; }

    /// <summary>A supervised process whose unexpected exit starts the plan (its restart policy must be never).</summary>
    public string? ProcessExit { get; set; }
}
