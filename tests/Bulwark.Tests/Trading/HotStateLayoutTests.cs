using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Bulwark.Trading;

namespace Bulwark.Tests.Trading;

/// <summary>Guards the padding that keeps state written by different threads on different cache lines.</summary>
public sealed class HotStateLayoutTests
{
    [Fact]
    public void AccountCounters_TakeTwoCacheLines_SoAccountsNeverShareOne()
    {
        Assert.Equal(128, Unsafe.SizeOf<AccountCounters>());
        var offsets = typeof(AccountCounters).GetFields()
            .Select(f => f.GetCustomAttributes(typeof(FieldOffsetAttribute), false).Cast<FieldOffsetAttribute>().Single().Value)
            .ToArray();
        Assert.All(offsets, o => Assert.InRange(o, 0, 63));
    }

    [Fact]
    public void PaddedLong_ValueAloneOnItsCacheLine()
    {
        Assert.Equal(128, Unsafe.SizeOf<PaddedLong>());
        var offset = typeof(PaddedLong).GetField(nameof(PaddedLong.Value))!
            .GetCustomAttributes(typeof(FieldOffsetAttribute), false).Cast<FieldOffsetAttribute>().Single().Value;
        Assert.Equal(64, offset);
    }

    [Fact]
    public void OrderSlot_FitsInOneCacheLine()
    {
        Assert.True(Unsafe.SizeOf<OrderSlot>() <= 64);
    }
}
