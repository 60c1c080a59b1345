namespace Bulwark.Availability;

/// <summary>Time in a window split three ways; maintenance is excluded from all three.</summary>
public readonly record struct TimeSplit(TimeSpan Good, TimeSpan Bad, TimeSpan Unknown)
{
    /// <summary>Time with evidence: good plus bad.</summary>
    public TimeSpan Observed => Good + Bad;

    /// <summary>Good over observed; null when nothing was observed (not 100 %: unknown is not up).</summary>
    public double? Availability => Observed > TimeSpan.Zero ? Good / Observed : null;
}

/// <summary>
/// A subject's states over time, as its transitions recorded them: state intervals, not samples, so any
/// window is measured exactly and memory grows with transitions only. Good is Healthy, Degraded or
/// Recovering (the checks pass); bad is Critical or Failed (some or all fail); Unknown (no evidence, or
/// Bulwark not running) is neither.
/// </summary>
internal sealed class StateTimeline
{
    // (start ticks, state) in time order; a state lasts until the next point. Beside each point, the good and
    // bad ticks accumulated from the first point up to it: a window is then two binary searches and at most two
    // partial intervals, whatever it spans. (Maintenance, rare, takes the interval-by-interval path.)
    private readonly List<(long Start, SafetyState State)> _points = [];
    private readonly List<(long Good, long Bad)> _before = [];

    // Points before _head are pruned. They leave the lists in one block once they are as many as the live ones,
    // so pruning costs amortised O(1) per point rather than a block move on every refresh.
    private int _head;

    public int Count => _points.Count - _head;

    public SafetyState Current => Count == 0 ? SafetyState.Unknown : _points[^1].State;

    public static bool IsGood(SafetyState state) => state is SafetyState.Healthy or SafetyState.Degraded or SafetyState.Recovering;

    public static bool IsBad(SafetyState state) => state is SafetyState.Failed or SafetyState.Critical;

    /// <summary>Records that the subject is in <paramref name="state"/> from <paramref name="at"/>. Out-of-order points are placed in order.</summary>
    public void Add(DateTimeOffset at, SafetyState state)
    {
        // No de-duplication of repeated states: a point that repeats the state before it still matters when
        // an earlier point is inserted later (an unclean stop found on restart).
        var ticks = at.UtcTicks;
        if (Count == 0 || _points[^1].Start <= ticks)
        {
            _before.Add(Count == 0 ? default : Accumulate(_before[^1], _points[^1], ticks));
            _points.Add((ticks, state));
            return;
        }

        Compact();
        var index = _points.FindLastIndex(p => p.Start <= ticks) + 1;
        _points.Insert(index, (ticks, state));
        RebuildSums();
    }

    private static (long Good, long Bad) Accumulate((long Good, long Bad) sums, (long Start, SafetyState State) point, long until)
    {
        var span = until - point.Start;
        return IsGood(point.State) ? (sums.Good + span, sums.Bad) : IsBad(point.State) ? (sums.Good, sums.Bad + span) : sums;
    }

    private void RebuildSums()
    {
        _before.Clear();
        for (var i = 0; i < _points.Count; i++)
        {
            _before.Add(i == 0 ? default : Accumulate(_before[i - 1], _points[i - 1], _points[i].Start));
        }
    }

    /// <summary>
    /// Good and bad ticks accumulated up to <paramref name="ticks"/>, on the same running scale as <c>_before</c>.
    /// Only differences mean anything: pruning drops leading points without rescaling the rest.
    /// </summary>
    private (long Good, long Bad) SumsAt(long ticks)
    {
        var index = IndexAt(ticks);
        return index >= 0 ? Accumulate(_before[index], _points[index], ticks)
            : Count > 0 ? _before[_head] // before the first point nothing accumulates
            : default;
    }

    /// <summary>The point in force at <paramref name="ticks"/>, or -1 before the first.</summary>
    private int IndexAt(long ticks)
    {
        int lo = _head, hi = _points.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_points[mid].Start <= ticks)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }

    /// <summary>
    /// Drops points that ended before <paramref name="before"/>, keeping the one in force then. A binary search; the
    /// running sums of the points kept stay valid (windows use differences), so nothing is recomputed.
    /// </summary>
    public void Prune(DateTimeOffset before)
    {
        var keepFrom = IndexAt(before.UtcTicks);
        if (keepFrom > _head)
        {
            _head = keepFrom;
            if (_head >= _points.Count - _head)
            {
                Compact();
            }
        }
    }

    private void Compact()
    {
        if (_head > 0)
        {
            _points.RemoveRange(0, _head);
            _before.RemoveRange(0, _head);
            _head = 0;
        }
    }

    /// <summary>Good, bad and unknown time in [from, to), less the maintenance windows.</summary>
    public TimeSplit Measure(DateTimeOffset from, DateTimeOffset to, IReadOnlyList<MaintenanceWindow>? maintenance = null)
    {
        long good = 0, bad = 0, unknown = 0;
        long start = from.UtcTicks, end = to.UtcTicks;
        if (end <= start)
        {
            return default;
        }

        if (maintenance is null || maintenance.Count == 0)
        {
            var (goodAtEnd, badAtEnd) = SumsAt(end);
            var (goodAtStart, badAtStart) = SumsAt(start);
            good = goodAtEnd - goodAtStart;
            bad = badAtEnd - badAtStart;
            return new TimeSplit(new TimeSpan(good), new TimeSpan(bad), new TimeSpan(end - start - good - bad));
        }

        var first = IndexAt(start);

        var cursor = start;
        var state = first >= 0 ? _points[first].State : SafetyState.Unknown;
        for (var i = first >= 0 ? first + 1 : _head; cursor < end; i++)
        {
            var next = i < _points.Count ? Math.Min(_points[i].Start, end) : end;
            if (next > cursor)
            {
                var span = next - cursor - Overlap(cursor, next, maintenance);
                if (IsGood(state))
                {
                    good += span;
                }
                else if (IsBad(state))
                {
                    bad += span;
                }
                else
                {
                    unknown += span;
                }
            }

            cursor = next;
            if (i < _points.Count)
            {
                state = _points[i].State;
            }
        }

        return new TimeSplit(new TimeSpan(good), new TimeSpan(bad), new TimeSpan(unknown));
    }

    private static long Overlap(long start, long end, IReadOnlyList<MaintenanceWindow>? windows)
    {
        if (windows is null)
        {
            return 0;
        }

        // Windows may overlap each other: merge as we go by clipping each to what is not yet counted.
        long covered = 0, reach = start;
        foreach (var window in windows.OrderBy(w => w.Start))
        {
            var s = Math.Max(Math.Max(window.Start.UtcTicks, start), reach);
            var e = Math.Min(window.End.UtcTicks, end);
            if (e > s)
            {
                covered += e - s;
                reach = e;
            }
        }

        return covered;
    }
}

/// <summary>A declared maintenance window: its time counts neither for nor against an SLO.</summary>
public sealed record MaintenanceWindow(DateTimeOffset Start, DateTimeOffset End, string? Reason = null);
