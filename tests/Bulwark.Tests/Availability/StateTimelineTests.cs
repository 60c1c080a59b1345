using Bulwark.Availability;
using CsCheck;

namespace Bulwark.Tests.Availability;

public sealed class StateTimelineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset Min(double minutes) => T0.AddMinutes(minutes);

    private static StateTimeline History()
    {
        // Healthy 0-10, Failed 10-13, Healthy 13-50, Unknown (not running) 50 on.
        var timeline = new StateTimeline();
        timeline.Add(Min(0), SafetyState.Healthy);
        timeline.Add(Min(10), SafetyState.Failed);
        timeline.Add(Min(13), SafetyState.Healthy);
        timeline.Add(Min(50), SafetyState.Unknown);
        return timeline;
    }

    [Fact]
    public void Measure_SplitsGoodBadAndUnknownExactly()
    {
        var split = History().Measure(Min(0), Min(60));
        Assert.Equal(TimeSpan.FromMinutes(47), split.Good);
        Assert.Equal(TimeSpan.FromMinutes(3), split.Bad);
        Assert.Equal(TimeSpan.FromMinutes(10), split.Unknown);
        Assert.Equal(47.0 / 50.0, split.Availability!.Value, 12);
    }

    [Fact]
    public void Measure_BeforeTheFirstPoint_IsUnknown_NotUp()
    {
        var split = History().Measure(Min(-30), Min(5));
        Assert.Equal(TimeSpan.FromMinutes(30), split.Unknown);
        Assert.Equal(TimeSpan.FromMinutes(5), split.Good);
        Assert.Null(History().Measure(Min(-30), Min(0)).Availability);
    }

    [Fact]
    public void Measure_AnyWindowInsideAnInterval()
    {
        var split = History().Measure(Min(11), Min(12.5));
        Assert.Equal(TimeSpan.FromMinutes(1.5), split.Bad);
        Assert.Equal(0, split.Availability);
    }

    [Fact]
    public void Measure_ExcludesMaintenance_EvenWhenWindowsOverlap()
    {
        MaintenanceWindow[] maintenance = [new(Min(11), Min(12)), new(Min(11.5), Min(14)), new(Min(55), Min(70))];
        var split = History().Measure(Min(0), Min(60), maintenance);
        Assert.Equal(TimeSpan.FromMinutes(46), split.Good);    // 13-14 excluded
        Assert.Equal(TimeSpan.FromMinutes(1), split.Bad);      // 10-11 only
        Assert.Equal(TimeSpan.FromMinutes(5), split.Unknown);  // 50-55
    }

    [Theory]
    [InlineData(SafetyState.Healthy, true, false)]
    [InlineData(SafetyState.Degraded, true, false)]
    [InlineData(SafetyState.Recovering, true, false)]
    [InlineData(SafetyState.Critical, false, true)]
    [InlineData(SafetyState.Failed, false, true)]
    [InlineData(SafetyState.Unknown, false, false)]
    public void GoodAndBad_AreDefinedPerState(SafetyState state, bool good, bool bad)
    {
        Assert.Equal(good, StateTimeline.IsGood(state));
        Assert.Equal(bad, StateTimeline.IsBad(state));
    }

    [Fact]
    public void Add_OutOfOrder_IsPlacedInOrder_AndPruneKeepsTheStateInForce()
    {
        var timeline = new StateTimeline();
        timeline.Add(Min(0), SafetyState.Healthy);
        timeline.Add(Min(20), SafetyState.Healthy);
        timeline.Add(Min(30), SafetyState.Failed);
        timeline.Add(Min(10), SafetyState.Unknown);
        Assert.Equal(TimeSpan.FromMinutes(20), timeline.Measure(Min(0), Min(40)).Good);    // 0-10 and 20-30
        Assert.Equal(TimeSpan.FromMinutes(10), timeline.Measure(Min(0), Min(40)).Unknown); // 10-20

        timeline.Prune(Min(25));
        Assert.Equal(TimeSpan.FromMinutes(5), timeline.Measure(Min(25), Min(30)).Good);
    }

    [Fact]
    public void Measure_PrefixSums_AgreeWithIntervalByInterval()
    {
        // Random histories (including out-of-order points) and random windows: the prefix-sum path (no
        // maintenance) and the interval path (a maintenance window far outside every history) must agree.
        var far = new[] { new MaintenanceWindow(Min(-1_000_000), Min(-999_999)) };
        var point = Gen.Select(Gen.Int[0, 10_000], Gen.Enum<SafetyState>());
        Gen.Select(point.Array[0, 60], Gen.Int[-100, 10_100], Gen.Int[0, 10_200]).Sample((points, from, length) =>
        {
            var timeline = new StateTimeline();
            foreach (var (minute, state) in points)
            {
                timeline.Add(Min(minute), state);
            }

            var fast = timeline.Measure(Min(from), Min(from + length));
            var slow = timeline.Measure(Min(from), Min(from + length), far);
            Assert.Equal(slow, fast);
        }, iter: 2_000);
    }

    [Fact]
    public void Measure_AfterPruning_AgreesWithIntervalByInterval()
    {
        // Prune keeps the running sums as they were (no rescaling): windows over what is kept, and points added
        // afterwards (in order or not), must still measure exactly as the interval path does.
        var far = new[] { new MaintenanceWindow(Min(-1_000_000), Min(-999_999)) };
        var point = Gen.Select(Gen.Int[0, 10_000], Gen.Enum<SafetyState>());
        Gen.Select(point.Array[1, 40], Gen.Int[0, 10_000], point.Array[0, 20], Gen.Int[0, 10_000], Gen.Int[-100, 10_100], Gen.Int[0, 10_200])
            .Sample((before, pruneAt, after, pruneAgainAt, from, length) =>
            {
                var timeline = new StateTimeline();
                foreach (var (minute, state) in before)
                {
                    timeline.Add(Min(minute), state);
                }

                var count = timeline.Count;
                timeline.Prune(Min(pruneAt));
                Assert.True(timeline.Count <= count);
                foreach (var (minute, state) in after)
                {
                    timeline.Add(Min(minute), state);
                }

                timeline.Prune(Min(pruneAgainAt));

                Assert.Equal(timeline.Measure(Min(from), Min(from + length), far), timeline.Measure(Min(from), Min(from + length)));
            }, iter: 2_000);
    }

    [Fact]
    public void Prune_DropsEveryPointEndedBeforeTheHorizon_AndKeepsTheWindowAfterItExact()
    {
        var timeline = new StateTimeline();
        for (var minute = 0; minute < 100; minute++)
        {
            timeline.Add(Min(minute), minute % 2 == 0 ? SafetyState.Healthy : SafetyState.Failed);
        }

        var expected = timeline.Measure(Min(60), Min(100));
        timeline.Prune(Min(60));

        Assert.Equal(40, timeline.Count);                     // minutes 60 to 99
        Assert.Equal(expected, timeline.Measure(Min(60), Min(100)));
        Assert.Equal(TimeSpan.FromMinutes(20), expected.Good);
        Assert.Equal(TimeSpan.FromMinutes(10), timeline.Measure(Min(50), Min(70)).Unknown); // before what is kept: unknown
    }
}
