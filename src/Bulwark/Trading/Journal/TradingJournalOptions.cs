namespace Bulwark.Trading.Journal;

/// <summary>Where a new leader's positions come from before its first order.</summary>
public enum TakeoverSource
{
    /// <summary>The shared journal, read up to the new term's first row (every row of the previous term is before it).</summary>
    Journal = 0,

    /// <summary>A broker's drop copy: the gate stays held until <see cref="RiskGate.Reconcile"/> is called.</summary>
    DropCopy = 1,
}

/// <summary>The trading journal's queue and writer.</summary>
public sealed class TradingJournalOptions
{
    /// <summary>Rows that may wait for the writer; beyond it new orders are held (cancels pass) until it drains to half. Default 65,536.</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>Most rows in one transaction (one group commit, one fsync). Default 4,096.</summary>
    public int MaximumBatch { get; set; } = 4_096;

    /// <summary>Wait between attempts when the store fails. Default 100 ms.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Where a new leader's positions come from. Default: the journal.</summary>
    public TakeoverSource Takeover { get; set; } = TakeoverSource.Journal;

    /// <summary>This writer's name in the journal; default a new id per start (rows of one start are told apart by it).</summary>
    public string? Writer { get; set; }

    internal List<OptionsError> Validate()
    {
        var errors = new List<OptionsError>();
        if (QueueCapacity < 2)
        {
            errors.Add(new("trading.journal.queueCapacity", "must be at least 2"));
        }

        if (MaximumBatch < 1)
        {
            errors.Add(new("trading.journal.maximumBatch", "must be at least 1"));
        }

        if (RetryInterval <= TimeSpan.Zero)
        {
            errors.Add(new("trading.journal.retryInterval", "must be greater than 0"));
        }

        if (Writer is { } writer && (string.IsNullOrWhiteSpace(writer) || writer.Length > 128))
        {
            errors.Add(new("trading.journal.writer", "must be 1 to 128 characters"));
        }

        return errors;
    }
}
