namespace Bulwark.Health;

/// <summary>How check conditions make a component state, and component states make the system state.</summary>
internal static class StateRules
{
    /// <summary>
    /// All checks failing: Failed. Some failing: Critical. Otherwise the worst of: any check without
    /// enough evidence (Unknown), any recovering (Recovering), any warning (Degraded); else Healthy.
    /// </summary>
    public static SafetyState ComponentState(IReadOnlyList<CheckTracker> checks)
    {
        int failing = 0, unknown = 0, recovering = 0, warning = 0;
        foreach (var check in checks)
        {
            switch (check.Condition)
            {
                case CheckCondition.Failing: failing++; break;
                case CheckCondition.Unknown: unknown++; break;
                case CheckCondition.Recovering: recovering++; break;
                case CheckCondition.Warning: warning++; break;
            }
        }

        if (failing > 0)
        {
            return failing == checks.Count ? SafetyState.Failed : SafetyState.Critical;
        }

        if (unknown > 0)
        {
            return SafetyState.Unknown;
        }

        if (recovering > 0)
        {
            return SafetyState.Recovering;
        }

        return warning > 0 ? SafetyState.Degraded : SafetyState.Healthy;
    }

    /// <summary>What one component's state means for the system, by its criticality.</summary>
    public static SafetyState Contribution(Criticality criticality, SafetyState state) => criticality switch
    {
        // The system is no better than a critical component.
        Criticality.Critical => state,

        // Losing a standard component degrades the system; not knowing about it leaves the system unknown.
        Criticality.Standard => state switch
        {
            SafetyState.Unknown => SafetyState.Unknown,
            SafetyState.Healthy => SafetyState.Healthy,
            _ => SafetyState.Degraded,
        },

        _ => SafetyState.Healthy,
    };

    /// <summary>The system state: the worst contribution (states are ordered worst first).</summary>
    public static SafetyState SystemState(IEnumerable<(Criticality Criticality, SafetyState State)> components)
    {
        var worst = SafetyState.Healthy;
        foreach (var (criticality, state) in components)
        {
            var contribution = Contribution(criticality, state);
            if (contribution < worst)
            {
                worst = contribution;
            }
        }

        return worst;
    }
}
