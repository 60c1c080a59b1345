using System.Runtime.CompilerServices;

namespace Bulwark.Trading;

/// <summary>
/// Limits compiled into dense arrays, built and validated off the hot path and never changed afterwards.
/// A runtime change builds a new table and publishes it with one <see cref="Volatile.Write{T}(ref T, T)"/>,
/// so a check sees either the old table or the new one, never a mix and never no limit.
/// </summary>
internal sealed class LimitTable
{
    internal const int KindCount = 15;

    public LimitTable(RiskGateOptions options, Universe universe, long timestampFrequency)
    {
        Options = options;
        Enabled = options.EnabledChecks;
        Firm = Row(options.Firm);
        Account = new double[universe.AccountCount * KindCount];
        Strategy = new double[universe.StrategyCount * KindCount];
        Symbol = new double[universe.SymbolCount * KindCount];
        Restricted = new bool[universe.SymbolCount];
        Array.Fill(Account, double.PositiveInfinity);
        Array.Fill(Strategy, double.PositiveInfinity);
        Array.Fill(Symbol, double.PositiveInfinity);

        for (var a = 0; a < universe.AccountCount; a++)
        {
            if (options.AccountLimits.TryGetValue(universe.AccountNames[a], out var limits))
            {
                Row(limits).CopyTo(Account, a * KindCount);
            }
        }

        for (var s = 0; s < universe.StrategyCount; s++)
        {
            if (options.StrategyLimits.TryGetValue(universe.StrategyNames[s], out var limits))
            {
                Row(limits).CopyTo(Strategy, s * KindCount);
            }
        }

        for (var y = 0; y < universe.SymbolCount; y++)
        {
            var symbol = universe.SymbolNames[y];
            Row(options.Instruments[symbol].Limits).CopyTo(Symbol, y * KindCount);
            Restricted[y] = options.RestrictedSymbols.Contains(symbol);
        }

        ReferenceMaximumAgeTicks = ToTicks(options.ReferencePriceMaximumAge, timestampFrequency);
        DuplicateWindowMilliseconds = (long)options.DuplicateContentWindow.TotalMilliseconds;

        // Token buckets (GCRA): an account's rate is the tighter of firm and account; the firm bucket uses the firm's.
        AccountMessages = new Bucket[universe.AccountCount];
        AccountCancels = new Bucket[universe.AccountCount];
        for (var a = 0; a < universe.AccountCount; a++)
        {
            AccountMessages[a] = Bucket.For(Math.Min(Firm[(int)RiskLimitKind.MaximumMessagesPerSecond], Account[(a * KindCount) + (int)RiskLimitKind.MaximumMessagesPerSecond]), timestampFrequency);
            AccountCancels[a] = Bucket.For(Math.Min(Firm[(int)RiskLimitKind.MaximumCancelsPerSecond], Account[(a * KindCount) + (int)RiskLimitKind.MaximumCancelsPerSecond]), timestampFrequency);
        }

        FirmMessages = Bucket.For(Firm[(int)RiskLimitKind.MaximumMessagesPerSecond], timestampFrequency);
        FirmCancels = Bucket.For(Firm[(int)RiskLimitKind.MaximumCancelsPerSecond], timestampFrequency);
    }

    public RiskGateOptions Options { get; }

    public RiskChecks Enabled { get; }

    public double[] Firm { get; }

    public double[] Account { get; }

    public double[] Strategy { get; }

    public double[] Symbol { get; }

    public bool[] Restricted { get; }

    public long ReferenceMaximumAgeTicks { get; }

    public long DuplicateWindowMilliseconds { get; }

    public Bucket[] AccountMessages { get; }

    public Bucket[] AccountCancels { get; }

    public Bucket FirmMessages { get; }

    public Bucket FirmCancels { get; }

    /// <summary>The tightest limit of a kind over firm, account, strategy and symbol; +infinity when none is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Effective(RiskLimitKind kind, int account, int strategy, int symbol)
    {
        var k = (int)kind;
        var v = Firm[k];
        var x = Account[(account * KindCount) + k];
        if (x < v) { v = x; }
        x = Strategy[(strategy * KindCount) + k];
        if (x < v) { v = x; }
        x = Symbol[(symbol * KindCount) + k];
        return x < v ? x : v;
    }

    /// <summary>The tightest of firm and account (for per-account totals: loss limits).</summary>
    public double FirmOrAccount(RiskLimitKind kind, int account) =>
        Math.Min(Firm[(int)kind], Account[(account * KindCount) + (int)kind]);

    private static double[] Row(RiskLimits limits)
    {
        var row = new double[KindCount];
        for (var k = 0; k < KindCount; k++)
        {
            row[k] = limits.Get((RiskLimitKind)k) ?? double.PositiveInfinity;
        }

        return row;
    }

    private static long ToTicks(TimeSpan span, long frequency) => (long)(span.TotalSeconds * frequency);

    /// <summary>A token bucket as the generic cell rate algorithm: interval between messages and burst allowance, in timestamp ticks.</summary>
    internal readonly record struct Bucket(double Rate, long Interval, long Burst)
    {
        public bool Configured => Interval > 0;

        public static Bucket For(double rate, long frequency)
        {
            if (!double.IsFinite(rate) || rate <= 0)
            {
                return default;
            }

            var interval = Math.Max(1L, (long)Math.Round(frequency / rate));

            // A burst of one second's worth (at least one message).
            var capacity = Math.Max(1L, (long)Math.Floor(rate));
            return new Bucket(rate, interval, capacity * interval);
        }
    }
}
