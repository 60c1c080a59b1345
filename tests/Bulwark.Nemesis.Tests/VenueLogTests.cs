namespace Bulwark.Nemesis.Tests;

/// <summary>The checker itself: each violation it exists to find, found in a made-up log; a clean hand-over passes.</summary>
public sealed class VenueLogTests
{
    private static long _seq;

    private static VenueOrder Order(string replica, long token, bool accepted = true, string account = "paper") =>
        new(1_000 + _seq, ++_seq, account, replica, token, _seq, accepted, token);

    /// <summary>An order as an unfenced venue logs it: accepted and filled whatever its token, with the fencing decision beside it.</summary>
    private static VenueOrder Filled(string replica, long token, bool fenced, long quantity, string side = "buy") =>
        new(1_000 + _seq, ++_seq, "paper", replica, token, _seq, Accepted: true, token, fenced, side, quantity, 100, quantity, 100, _seq);

    [Fact]
    public void CleanHandover_HasNoStaleOrderAndNoOverlap()
    {
        VenueOrder[] log = [Order("r0", 1), Order("r0", 1), Order("r1", 2), Order("r0", 1, accepted: false), Order("r1", 2)];
        Assert.Empty(VenueLog.StaleAccepted(log));
        Assert.Empty(VenueLog.Overlaps(log));
    }

    [Fact]
    public void AnOlderTokenAcceptedAfterANewerOne_IsStale()
    {
        VenueOrder[] log = [Order("r0", 1), Order("r1", 2), Order("r0", 1)];
        var stale = Assert.Single(VenueLog.StaleAccepted(log));
        Assert.Equal(("r0", 1L), (stale.Replica, stale.Token));
    }

    [Fact]
    public void StaleIsJudgedPerAccount()
    {
        VenueOrder[] log = [Order("r1", 2, account: "a"), Order("r0", 1, account: "b")];
        Assert.Empty(VenueLog.StaleAccepted(log));
    }

    [Fact]
    public void TwoTermsInterleaved_Overlap_EvenWhenTheOldTermOutlastsSeveralSuccessors()
    {
        VenueOrder[] log = [Order("r0", 1), Order("r1", 2), Order("r2", 3), Order("r0", 1)];
        var overlaps = VenueLog.Overlaps(log);
        Assert.Equal(2, overlaps.Count);
        Assert.All(overlaps, o => Assert.Contains("term 1 (r0)", o, StringComparison.Ordinal));
    }

    [Fact]
    public void RefusedOrders_DoNotCountAsOverlap()
    {
        VenueOrder[] log = [Order("r0", 1), Order("r1", 2), Order("r0", 1, accepted: false), Order("r1", 2)];
        Assert.Empty(VenueLog.Overlaps(log));
    }

    [Fact]
    public void DeposedArrivals_CountEveryOrderOfAnOldTermAfterANewTermsFirst_WhateverTheVenueAnswered()
    {
        // An unfenced venue accepted everything: the overlap is in the arrivals, not in the venue's verdicts.
        VenueOrder[] log = [Order("r0", 1), Order("r0", 1), Order("r1", 2), Order("r0", 1), Order("r1", 2), Order("r0", 1, accepted: false)];
        var late = VenueLog.DeposedArrivals(log);
        Assert.Equal(2, late.Count);
        Assert.All(late, o => Assert.Equal(("r0", 1L), (o.Replica, o.Token)));
    }

    [Fact]
    public void DeposedArrivals_AreNoneForACleanHandover_AndJudgedPerAccount()
    {
        VenueOrder[] clean = [Order("r0", 1), Order("r0", 1), Order("r1", 2), Order("r1", 2)];
        Assert.Empty(VenueLog.DeposedArrivals(clean));
        VenueOrder[] accounts = [Order("r1", 2, account: "a"), Order("r0", 1, account: "b")];
        Assert.Empty(VenueLog.DeposedArrivals(accounts));
    }

    [Fact]
    public void DeposedArrivals_FindTheOverlapOfAnUnfencedRun_WhereEveryOrderWasAcceptedAndFilled()
    {
        // The split brain an unfenced venue lets through: r0's term 1 goes on after r1's term 2 began.
        VenueOrder[] log = [Filled("r0", 1, true, 5), Filled("r1", 2, true, 3), Filled("r0", 1, false, 7), Filled("r1", 2, true, 1)];
        var late = Assert.Single(VenueLog.DeposedArrivals(log));
        Assert.Equal(("r0", 1L, 7L), (late.Replica, late.Token, late.Filled));
        Assert.Single(VenueLog.StaleAccepted(log));
        Assert.Single(VenueLog.Overlaps(log));
        Assert.Empty(VenueLog.FenceDisagreements(log));
    }

    [Fact]
    public void FenceDisagreements_FindAFenceThatLetADeposedArrivalThrough_OrRefusedAnOrderInTime()
    {
        VenueOrder[] letThrough = [Filled("r0", 1, true, 1), Filled("r1", 2, true, 1), Filled("r0", 1, fenced: true, 1)];
        Assert.Equal(3, Assert.Single(VenueLog.FenceDisagreements(letThrough)).Seq - letThrough[0].Seq + 1);
        VenueOrder[] refusedInTime = [Filled("r0", 1, true, 1), Filled("r1", 2, fenced: false, 1)];
        Assert.Equal(("r1", 2L), (Assert.Single(VenueLog.FenceDisagreements(refusedInTime)).Replica, Assert.Single(VenueLog.FenceDisagreements(refusedInTime)).Token));
    }

    [Fact]
    public void PositionBefore_SumsTheSignedFillsOfOlderTerms_ThatAFencingVenueAccepts()
    {
        VenueOrder[] log =
        [
            Filled("r0", 1, true, 10), Filled("r0", 1, true, 4, side: "sell"), Filled("r1", 2, true, 3),
            Filled("r0", 1, fenced: false, 100), // deposed: filled by the unfenced venue, refused by a fencing one
            Order("r0", 1, accepted: false) with { Filled = 0 },
            Filled("r2", 3, true, 1000), // the new term's own
        ];
        Assert.Equal(10 - 4 + 3, VenueLog.PositionBefore(log, 3));
        Assert.Equal(10 - 4, VenueLog.PositionBefore(log, 2));

        // A takeover position that took the deposed fill, or missed one, is caught by the round's check.
        Assert.NotEqual(10 - 4 + 3 + 100, VenueLog.PositionBefore(log, 3));
        Assert.Equal(0, VenueLog.PositionBefore(log, 3, account: "other"));
    }

    [Fact]
    public void TermRates_AreOrdersOverTheTermsSpan_AndItsSlowestWholeSecond()
    {
        // 200 orders a second for a second, then 100 a second for a second.
        var orders = Enumerable.Range(0, 301).Select(i => new VenueOrder(10_000 + (i < 200 ? i * 5 : 1_000 + ((i - 200) * 10)), i, "paper", "r0", 7, i, true, 7)).ToList();
        var rate = Assert.Single(VenueLog.TermRates(orders));
        Assert.Equal(7, rate.Token);
        Assert.Equal(301 / 2.0, rate.PerSecond, 3);
        Assert.Equal(100, rate.SlowestSecond);
        Assert.Empty(VenueLog.TermRates(orders.Take(100))); // half a second: too short to judge
    }
}
