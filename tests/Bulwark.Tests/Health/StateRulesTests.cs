using Bulwark.Health;

namespace Bulwark.Tests.Health;

public sealed class StateRulesTests
{
    private static CheckTracker Tracker(CheckCondition condition)
    {
        var tracker = new CheckTracker("c", CheckType.Tcp, 1, 1);
        var status = condition switch
        {
            CheckCondition.Failing => CheckStatus.Unhealthy,
            CheckCondition.Warning => CheckStatus.Degraded,
            _ => CheckStatus.Healthy,
        };
        if (condition == CheckCondition.Unknown)
        {
            return tracker;
        }

        if (condition == CheckCondition.Recovering)
        {
            tracker = new CheckTracker("c", CheckType.Tcp, 1, 2);
            tracker.Apply(new CheckRecord(0, 0, CheckStatus.Unhealthy, "", null, TimeSpan.Zero, default));
        }

        tracker.Apply(new CheckRecord(0, 0, status, "", null, TimeSpan.Zero, default));
        Assert.Equal(condition, tracker.Condition);
        return tracker;
    }

    [Theory]
    [InlineData(new[] { CheckCondition.Passing }, SafetyState.Healthy)]
    [InlineData(new[] { CheckCondition.Failing }, SafetyState.Failed)]
    [InlineData(new[] { CheckCondition.Failing, CheckCondition.Failing }, SafetyState.Failed)]
    [InlineData(new[] { CheckCondition.Failing, CheckCondition.Passing }, SafetyState.Critical)]
    [InlineData(new[] { CheckCondition.Failing, CheckCondition.Unknown }, SafetyState.Critical)]
    [InlineData(new[] { CheckCondition.Unknown, CheckCondition.Passing }, SafetyState.Unknown)]
    [InlineData(new[] { CheckCondition.Recovering, CheckCondition.Passing }, SafetyState.Recovering)]
    [InlineData(new[] { CheckCondition.Recovering, CheckCondition.Warning }, SafetyState.Recovering)]
    [InlineData(new[] { CheckCondition.Warning, CheckCondition.Passing }, SafetyState.Degraded)]
    [InlineData(new[] { CheckCondition.Passing, CheckCondition.Passing }, SafetyState.Healthy)]
    public void ComponentState_FromCheckConditions(CheckCondition[] conditions, SafetyState expected)
    {
        Assert.Equal(expected, StateRules.ComponentState(conditions.Select(Tracker).ToArray()));
    }

    [Theory]
    // A critical component carries its state to the system.
    [InlineData(Criticality.Critical, SafetyState.Failed, SafetyState.Failed)]
    [InlineData(Criticality.Critical, SafetyState.Critical, SafetyState.Critical)]
    [InlineData(Criticality.Critical, SafetyState.Recovering, SafetyState.Recovering)]
    [InlineData(Criticality.Critical, SafetyState.Degraded, SafetyState.Degraded)]
    [InlineData(Criticality.Critical, SafetyState.Unknown, SafetyState.Unknown)]
    // A standard component that is down only degrades it; an unknown one leaves it unknown.
    [InlineData(Criticality.Standard, SafetyState.Failed, SafetyState.Degraded)]
    [InlineData(Criticality.Standard, SafetyState.Critical, SafetyState.Degraded)]
    [InlineData(Criticality.Standard, SafetyState.Recovering, SafetyState.Degraded)]
    [InlineData(Criticality.Standard, SafetyState.Unknown, SafetyState.Unknown)]
    [InlineData(Criticality.Standard, SafetyState.Healthy, SafetyState.Healthy)]
    // An informational component never changes the system state.
    [InlineData(Criticality.Informational, SafetyState.Failed, SafetyState.Healthy)]
    [InlineData(Criticality.Informational, SafetyState.Unknown, SafetyState.Healthy)]
    public void SystemState_OneComponentBesideAHealthyCriticalOne(Criticality criticality, SafetyState state, SafetyState expected)
    {
        var system = StateRules.SystemState([(Criticality.Critical, SafetyState.Healthy), (criticality, state)]);
        Assert.Equal(expected, system);
    }

    [Fact]
    public void SystemState_MixedCriticalities_IsTheWorstContribution()
    {
        Assert.Equal(SafetyState.Failed, StateRules.SystemState([
            (Criticality.Standard, SafetyState.Failed),
            (Criticality.Critical, SafetyState.Failed),
            (Criticality.Informational, SafetyState.Failed),
        ]));
        Assert.Equal(SafetyState.Critical, StateRules.SystemState([
            (Criticality.Standard, SafetyState.Failed),
            (Criticality.Critical, SafetyState.Critical),
            (Criticality.Critical, SafetyState.Recovering),
        ]));
        Assert.Equal(SafetyState.Degraded, StateRules.SystemState([
            (Criticality.Standard, SafetyState.Failed),
            (Criticality.Critical, SafetyState.Healthy),
            (Criticality.Informational, SafetyState.Failed),
        ]));
        Assert.Equal(SafetyState.Unknown, StateRules.SystemState([
            (Criticality.Standard, SafetyState.Failed),
            (Criticality.Critical, SafetyState.Unknown),
        ]));
    }
}
