namespace Bulwark.Nemesis.Tests;

/// <summary>The checker itself: each violation it exists to find, found in a made-up log; a clean hand-over passes.</summary>
public sealed class VenueLogTests
{
    private static long _seq;

    private static VenueOrder Order(string replica, long token, bool accepted = true, string account = "paper") =>
        new(1_000 + _seq, ++_seq, account, replica, token, _seq, accepted, token);

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
}
