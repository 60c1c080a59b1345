namespace Bulwark.Health;

/// <summary>One finished run of a check, as the scheduler recorded it.</summary>
internal readonly record struct CheckRecord(
    int ComponentIndex,
    int CheckIndex,
    CheckStatus Status,
    string Description,
    string? Exception,
    TimeSpan Duration,
    DateTimeOffset At);

/// <summary>
/// Turns a check's stream of results into its settled <see cref="CheckCondition"/> with consecutive
/// thresholds, as Kubernetes probes do: <c>failureThreshold</c> failures in a row make it failing,
/// <c>successThreshold</c> good results in a row make it passing again. A single failure while
/// recovering sends it straight back to failing: recovery has to be earned in one unbroken run.
/// Not thread-safe: the manager applies results from one loop.
/// </summary>
internal sealed class CheckTracker(string name, CheckType type, int failureThreshold, int successThreshold)
{
    public string Name { get; } = name;

    public CheckType Type { get; } = type;

    public CheckCondition Condition { get; private set; } = CheckCondition.Unknown;

    public int ConsecutiveFailures { get; private set; }

    public int ConsecutiveSuccesses { get; private set; }

    public CheckRecord? Last { get; private set; }

    /// <summary>Applies one result; returns true when the condition changed.</summary>
    public bool Apply(in CheckRecord record)
    {
        Last = record;
        var before = Condition;
        if (record.Status == CheckStatus.Unhealthy)
        {
            ConsecutiveFailures++;
            ConsecutiveSuccesses = 0;
            if (ConsecutiveFailures >= failureThreshold || Condition == CheckCondition.Recovering)
            {
                Condition = CheckCondition.Failing;
            }
        }
        else
        {
            ConsecutiveSuccesses++;
            ConsecutiveFailures = 0;
            if (ConsecutiveSuccesses >= successThreshold)
            {
                Condition = record.Status == CheckStatus.Degraded ? CheckCondition.Warning : CheckCondition.Passing;
            }
            else if (Condition == CheckCondition.Failing)
            {
                Condition = CheckCondition.Recovering;
            }
        }

        return Condition != before;
    }
}
