using Bulwark.Trading;

namespace Bulwark.Tests.Trading;

public sealed class WorkingOrderTableTests
{
    public static TheoryData<string> Patterns => new() { "sequential", "stride-1024", "stride-capacity", "scattered", "offset-start" };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void ThreeQuartersFull_EveryIdPattern_InsertsAndFindsAll(string pattern)
    {
        const int Capacity = 1 << 16;
        var table = new WorkingOrderTable(Capacity);
        for (var n = 1L; n <= Capacity * 3 / 4; n++)
        {
            var id = Id(pattern, n, Capacity);
            Assert.Equal(0, table.TryInsert(id, out _));
        }

        for (var n = 1L; n <= Capacity * 3 / 4; n++)
        {
            var id = Id(pattern, n, Capacity);
            Assert.True(table.Find(id) >= 0);
            Assert.Equal(1, table.TryInsert(id, out _));
        }

        Assert.Equal(-1, table.Find(Id(pattern, Capacity, Capacity)));
    }

    private static long Id(string pattern, long n, int capacity) => pattern switch
    {
        "sequential" => n,
        "stride-1024" => n * 1024,
        "stride-capacity" => n * capacity,
        "offset-start" => n + (capacity * 3 / 4),
        _ => (long)((ulong)n * 0x9E3779B97F4A7C15UL >> 2) + 1,
    };
}
