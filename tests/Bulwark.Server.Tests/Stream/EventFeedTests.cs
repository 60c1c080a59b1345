using Bulwark.Server.Stream;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Server.Tests.Stream;

/// <summary>The per-connection buffer is bounded: a subscriber that falls behind is ended, not fed without limit.</summary>
public sealed class EventFeedTests
{
    [Fact]
    public async Task ASubscriberThatFallsBehind_IsEndedAfterItsBuffer_AndKnowsItMissedEvents()
    {
        await using var harness = await ServerHarness.StartAsync();
        var feed = new EventFeed(harness.System, NullLogger<EventFeed>.Instance);
        using var slow = feed.Subscribe();

        for (var i = 1; i <= EventFeed.BufferSize + 10; i++)
        {
            slow.Offer(new SafetyEvent { Sequence = i, Time = TimeProvider.System.GetUtcNow(), Kind = "test.flood", Subject = "s" });
        }

        Assert.True(slow.Overflowed);
        var kept = 0;
        while (slow.Events.TryRead(out _))
        {
            kept++;
        }

        Assert.Equal(EventFeed.BufferSize, kept);
        Assert.False(await slow.Events.WaitToReadAsync(), "ended: the client resumes from the log with Last-Event-ID");
    }

    [Fact]
    public async Task ASubscriberThatKeepsUp_IsNeverEnded()
    {
        await using var harness = await ServerHarness.StartAsync();
        var feed = new EventFeed(harness.System, NullLogger<EventFeed>.Instance);
        using var fast = feed.Subscribe();

        for (var i = 1; i <= EventFeed.BufferSize * 3; i++)
        {
            fast.Offer(new SafetyEvent { Sequence = i, Time = TimeProvider.System.GetUtcNow(), Kind = "test.flood", Subject = "s" });
            Assert.True(fast.Events.TryRead(out var e) && e.Sequence == i);
        }

        Assert.False(fast.Overflowed);
    }
}
