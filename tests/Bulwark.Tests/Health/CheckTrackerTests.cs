using Bulwark.Health;

namespace Bulwark.Tests.Health;

public sealed class CheckTrackerTests
{
    private static CheckRecord Result(CheckStatus status) =>
        new(0, 0, status, status.ToString(), null, TimeSpan.Zero, DateTimeOffset.UnixEpoch);

    private static CheckTracker Apply(int failureThreshold, int successThreshold, string results)
    {
        var tracker = new CheckTracker("c", CheckType.Tcp, failureThreshold, successThreshold);
        foreach (var r in results)
        {
            tracker.Apply(Result(r switch { 'F' => CheckStatus.Unhealthy, 'D' => CheckStatus.Degraded, _ => CheckStatus.Healthy }));
        }

        return tracker;
    }

    [Theory]
    // Failures below, at and above the failure threshold (3), from a passing start.
    [InlineData(3, 2, "PP", CheckCondition.Passing)]
    [InlineData(3, 2, "PPF", CheckCondition.Passing)]
    [InlineData(3, 2, "PPFF", CheckCondition.Passing)]
    [InlineData(3, 2, "PPFFF", CheckCondition.Failing)]
    [InlineData(3, 2, "PPFFFF", CheckCondition.Failing)]
    // One blip does not flip it; the failure count restarts after a good result.
    [InlineData(3, 2, "PPFFPFF", CheckCondition.Passing)]
    // Successes below, at and above the success threshold (2), from failing.
    [InlineData(3, 2, "FFFP", CheckCondition.Recovering)]
    [InlineData(3, 2, "FFFPP", CheckCondition.Passing)]
    [InlineData(3, 2, "FFFPPP", CheckCondition.Passing)]
    // One failure while recovering is failing again at once.
    [InlineData(3, 2, "FFFPF", CheckCondition.Failing)]
    // From the start, evidence is needed either way.
    [InlineData(3, 2, "", CheckCondition.Unknown)]
    [InlineData(3, 2, "P", CheckCondition.Unknown)]
    [InlineData(3, 2, "FF", CheckCondition.Unknown)]
    [InlineData(3, 2, "FFF", CheckCondition.Failing)]
    // Degraded counts as up, with a warning.
    [InlineData(3, 2, "PD", CheckCondition.Warning)]
    [InlineData(3, 2, "PDP", CheckCondition.Passing)]
    [InlineData(3, 2, "FFFDD", CheckCondition.Warning)]
    // Thresholds of 1 react to every result.
    [InlineData(1, 1, "P", CheckCondition.Passing)]
    [InlineData(1, 1, "PF", CheckCondition.Failing)]
    [InlineData(1, 1, "PFP", CheckCondition.Passing)]
    public void Apply_FollowsThresholds(int failureThreshold, int successThreshold, string results, CheckCondition expected)
    {
        Assert.Equal(expected, Apply(failureThreshold, successThreshold, results).Condition);
    }

    [Fact]
    public void Apply_CountsConsecutiveResults()
    {
        var tracker = Apply(3, 2, "PPFF");
        Assert.Equal(2, tracker.ConsecutiveFailures);
        Assert.Equal(0, tracker.ConsecutiveSuccesses);
        tracker.Apply(Result(CheckStatus.Healthy));
        Assert.Equal(0, tracker.ConsecutiveFailures);
        Assert.Equal(1, tracker.ConsecutiveSuccesses);
    }

    [Fact]
    public void Apply_ReportsWhetherTheConditionChanged()
    {
        var tracker = new CheckTracker("c", CheckType.Tcp, 1, 1);
        Assert.True(tracker.Apply(Result(CheckStatus.Healthy)));
        Assert.False(tracker.Apply(Result(CheckStatus.Healthy)));
        Assert.True(tracker.Apply(Result(CheckStatus.Unhealthy)));
    }
}
