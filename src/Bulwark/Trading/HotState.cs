using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Bulwark.Trading;

/// <summary>
/// Per-account worst-case totals, padded to two cache lines so two accounts never share one (false sharing
/// between threads trading different accounts). Every field is changed only with <see cref="Interlocked"/>.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct AccountCounters
{
    /// <summary>
    /// The largest gross exposure any order of fills can reach: over the account's symbols, the sum of
    /// <c>T/2 + |D|</c>, with T the symbol's working notional and D its <see cref="PairCounters.Balance"/>.
    /// </summary>
    [FieldOffset(0)] public double Gross;

    /// <summary>Signed position notional at cost plus every working buy's notional: the net long if every buy fills.</summary>
    [FieldOffset(8)] public double NetLong;

    /// <summary>Minus signed position notional at cost plus every working sell's notional: the net short if every sell fills.</summary>
    [FieldOffset(16)] public double NetShort;

    [FieldOffset(24)] public long WorkingCount;

    [FieldOffset(32)] public double WorkingNotional;

    /// <summary>Theoretical arrival time of the message bucket (GCRA), in timestamp ticks.</summary>
    [FieldOffset(40)] public long MessageTat;

    [FieldOffset(48)] public long CancelTat;
}

/// <summary>A single padded long (firm-wide bucket state), alone on its cache line.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedLong
{
    [FieldOffset(64)] public long Value;
}

/// <summary>
/// Worst cases of one account in one symbol. <c>WorstLong = position + working buys</c> and
/// <c>WorstShort = -position + working sells</c>, in quantity: every increase goes through a bounded compare-exchange,
/// so no interleaving of threads can take either over its limit; decreases are unconditional adds.
/// <para>
/// <see cref="Balance"/> is <c>D = P + (B - S) / 2</c> in notional (P the signed position at cost, B and S the working
/// buys and sells). Whatever order the working orders fill in, the largest absolute position reachable is
/// <c>max(P + B, S - P) = (B + S) / 2 + |D|</c>, so the account's gross worst case is the sum over its symbols of
/// <c>(B + S) / 2 + |D|</c>. Each change of D is one atomic add that returns the value before it, so the change of
/// <c>|D|</c> it makes is exact even while other threads change D too, and the account total stays exact.
/// </para>
/// </summary>
internal struct PairCounters
{
    public long WorstLong;
    public long WorstShort;
    public double Balance;
}

/// <summary>A reference price under a sequence lock: odd version = being written.</summary>
internal struct ReferencePrice
{
    public int Version;
    public double Price;
    public long Timestamp;
}

/// <summary>Lock-free bounded adds, the only way the hot path grows a shared total.</summary>
internal static class BoundedAdd
{
    /// <summary>
    /// Adds <paramref name="amount"/> when the result stays at or below <paramref name="limit"/>; returns the result it
    /// saw. A sum that does not fit in a long is refused (its result reads as <see cref="long.MaxValue"/>): it never wraps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryAdd(ref long location, long amount, long limit, out long result)
    {
        // Volatile.Read: acquire; the compare-exchange below is a full fence and the only publication.
        var current = Volatile.Read(ref location);
        while (true)
        {
            if (amount > 0 && current > long.MaxValue - amount)
            {
                result = long.MaxValue;
                return false;
            }

            result = current + amount;
            if (result > limit)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref location, result, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }
    }

    /// <summary>Double version; compares bit patterns so a NaN can never make the loop spin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryAdd(ref double location, double amount, double limit, out double result)
    {
        var current = Volatile.Read(ref location);
        while (true)
        {
            result = current + amount;
            if (!(result <= limit))
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref location, result, current);
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
            {
                return true;
            }

            current = seen;
        }
    }

    /// <summary>Unconditional atomic add of a double; returns the value after it and, in <paramref name="before"/>, the one it replaced.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Add(ref double location, double amount, out double before)
    {
        var current = Volatile.Read(ref location);
        while (true)
        {
            var next = current + amount;
            var seen = Interlocked.CompareExchange(ref location, next, current);
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
            {
                before = current;
                return next;
            }

            current = seen;
        }
    }

    /// <summary>Unconditional atomic add of a double (releases and fills).</summary>
    public static void Add(ref double location, double amount) => Add(ref location, amount, out _);

    /// <summary>
    /// Moves a pair's balance D by <paramref name="balanceChange"/> and the account's gross worst case by what that
    /// does to <c>T/2 + |D|</c> (<paramref name="halfWorkingChange"/> is the change of T/2). Returns the gross after it.
    /// The total stays exact under concurrency: the |D| change comes from the same atomic step that moved D. For changes
    /// that only shrink the worst case (releases, fills at the order's price, undos): while one is on its way the gross
    /// is above the exact figure, never below. Growth goes through <see cref="GrowGross"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MoveGross(ref double balance, ref double gross, double balanceChange, double halfWorkingChange)
    {
        var after = Add(ref balance, balanceChange, out var before);
        return Add(ref gross, halfWorkingChange + Math.Abs(after) - Math.Abs(before), out _);
    }

    /// <summary>
    /// <see cref="MoveGross"/> for a change that can grow gross exposure (a new order of <paramref name="most"/> notional):
    /// the most it can add is counted first, then D moves, then what it did not need is given back. So while D has moved
    /// and the gross has not caught up, the gross is never below the exact worst case: a check that compares it meanwhile
    /// errs only toward refusing. (Counting the exact change after D moved let two checks both pass while a third order's
    /// move of D was not counted yet: found by the Coyote test of concurrent checks and fills.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double GrowGross(ref double balance, ref double gross, double balanceChange, double halfWorkingChange, double most)
    {
        var reserved = Add(ref gross, most, out _);
        var after = Add(ref balance, balanceChange, out var before);

        // An order adding to its own side (the usual case) needs all of it: nothing to give back, one atomic saved.
        var unused = most - (halfWorkingChange + Math.Abs(after) - Math.Abs(before));
        return unused == 0 ? reserved : Add(ref gross, -unused, out _);
    }

    /// <summary>
    /// One message through a token bucket in GCRA form: one compare-exchange on one long. Accepted while the
    /// theoretical arrival time stays within the burst allowance of now.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryTake(ref long tat, long now, long interval, long burst, out long backlog)
    {
        var current = Volatile.Read(ref tat);
        while (true)
        {
            var next = (current > now ? current : now) + interval;
            backlog = next - now;
            if (backlog > burst)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref tat, next, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }
    }
}

/// <summary>One tracked order: everything about it on one or two cache lines.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct OrderSlot
{
    /// <summary>Client order id; 0 = free. Claimed once with a compare-exchange, never cleared.</summary>
    public long Key;

    /// <summary>Quantity still working; changed only under the gate's report lock.</summary>
    public long Leaves;

    /// <summary>Price x multiplier used for the reservation.</summary>
    public double UnitNotional;

    /// <summary><see cref="WorkingOrderTable.Pending"/>, <see cref="WorkingOrderTable.Deciding"/>, <see cref="WorkingOrderTable.Working"/> or <see cref="WorkingOrderTable.Done"/>.</summary>
    public int State;

    public int Account;
    public int Strategy;
    public int Symbol;
    public OrderSide Side;
    public bool Acknowledged;
}

/// <summary>
/// Every order the gate accepted, by client order id: open addressing, insert-only, so a check claims a slot
/// with one compare-exchange and two threads with the same id cannot both win (both follow the same probe
/// sequence). Slots are never reused for the life of the gate (capacity is configured); when
/// <see cref="MaximumProbe"/> probes find no free slot the order is refused (fail closed).
/// The first probe keeps consecutive ids (what engines usually assign) in consecutive slots, so the table is
/// written as a stream; a collision moves to pseudo-random slots, so runs of occupied slots never make long
/// probe chains whatever the id pattern (strides, scattered ids).
/// </summary>
internal sealed class WorkingOrderTable
{
    public const int MaximumProbe = 128;

    /// <summary>The id is claimed; the order's fields are being written. Nobody else reads the slot.</summary>
    public const int Pending = 0;

    public const int Working = 1;
    public const int Done = 2;

    /// <summary>
    /// Reserved and visible, not decided yet: the check reads everything that could stop the order once more, then
    /// publishes it as <see cref="Working"/> or withdraws it (<see cref="Done"/>). Only the checking thread moves it on;
    /// an engage's cancel-all and the end of a term list it with the working orders, so an order is never accepted
    /// unseen by a stop that happened before its decision.
    /// </summary>
    public const int Deciding = 3;

    private readonly int _mask;
    private readonly int _shift;

    public WorkingOrderTable(int capacity)
    {
        Slots = new OrderSlot[capacity];
        _mask = capacity - 1;
        _shift = BitOperations.Log2((uint)capacity);
    }

    public OrderSlot[] Slots { get; }

    public int Capacity => Slots.Length;

    /// <summary>0: inserted (slot set); 1: duplicate id; 2: no free slot within the probe limit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TryInsert(long id, out int slot)
    {
        var slots = Slots;
        var i = Home(id);
        for (var probe = 1; probe <= MaximumProbe; probe++)
        {
            // Volatile.Read: acquire, pairs with the compare-exchange of another inserter.
            ref var key = ref slots[i].Key;
            var seen = Volatile.Read(ref key);
            if (seen == 0)
            {
                seen = Interlocked.CompareExchange(ref key, id, 0);
                if (seen == 0)
                {
                    slot = i;
                    return 0;
                }
            }

            if (seen == id)
            {
                slot = i;
                return 1;
            }

            i = Next(id, probe);
        }

        slot = -1;
        return 2;
    }

    /// <summary>The slot holding <paramref name="id"/>, or -1.</summary>
    public int Find(long id)
    {
        var i = Home(id);
        for (var probe = 1; probe <= MaximumProbe; probe++)
        {
            var key = Volatile.Read(ref Slots[i].Key);
            if (key == id)
            {
                return i;
            }

            if (key == 0)
            {
                return -1;
            }

            i = Next(id, probe);
        }

        return -1;
    }

    /// <summary>
    /// Every slot that holds a working order, or one being decided (off the hot path: kill switch, term ends,
    /// snapshots). An order being decided may still be withdrawn; listing it too is what makes a stop complete.
    /// </summary>
    public IEnumerable<(long Id, int Slot)> WorkingOrders()
    {
        for (var i = 0; i < Slots.Length; i++)
        {
            // Volatile.Read: acquire, pairs with the Volatile.Write of Deciding or Working: the fields are written.
            if (Volatile.Read(ref Slots[i].State) is Working or Deciding)
            {
                yield return (Volatile.Read(ref Slots[i].Key), i);
            }
        }
    }

    /// <summary>The id's low bits, shifted by a hash of its high bits: consecutive ids, consecutive slots.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(long id)
    {
        var x = (ulong)id;
        return (int)((x + Mix(x >> _shift)) & (uint)_mask);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Next(long id, int probe) => (int)(Mix((ulong)id + ((ulong)probe * 0x9E3779B97F4A7C15UL)) & (uint)_mask);

    /// <summary>MurmurHash3's 64-bit finalizer: non-linear, so strides do not stay strides.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong b)
    {
        b ^= b >> 33;
        b *= 0xFF51AFD7ED558CCDUL;
        b ^= b >> 33;
        b *= 0xC4CEB9FE1A85EC53UL;
        b ^= b >> 33;
        return b;
    }
}
