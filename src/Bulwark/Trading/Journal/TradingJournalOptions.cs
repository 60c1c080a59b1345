namespace Bulwark.Trading.Journal;

/// <summary>Where a new leader's positions come from before its first order.</summary>
public enum TakeoverSource
{
    /// <summary>The shared journal, read up to the new term's first row (every row of the previous term is before it).</summary>
    Journal = 0,

    /// <summary>A broker's drop copy: the gate stays held until <see cref="RiskGate.Reconcile"/> is called.</summary>
    DropCopy = 1,
}

/// <summary>Where the trading journal lives.</summary>
public enum TradingJournalStoreKind
{
    /// <summary>A SQLite file in the data directory (the embedded default): one machine, or replicas sharing that directory.</summary>
    Sqlite = 0,

    /// <summary>PostgreSQL (<c>PostgreSqlTradingJournalStore</c> from Bulwark.PostgreSql): replicas on several machines.</summary>
    PostgreSql = 1,
}

/// <summary>The trading journal (the <c>trading.journal:</c> section): its store, queue and writer, and where a new leader's positions come from.</summary>
public sealed class TradingJournalOptions
{
    /// <summary>Largest <see cref="QueueCapacity"/>: 16,777,216 rows.</summary>
    public const int MaximumQueueCapacity = 1 << 24;

    /// <summary>Largest <see cref="MaximumBatch"/>: 65,536 rows in one transaction.</summary>
    public const int MaximumBatchLimit = 1 << 16;

    /// <summary>Whether a safety system with a <c>trading:</c> section journals its trading state (default true: positions, working orders, halts and loss limits survive a restart).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where the journal lives. Default SQLite.</summary>
    public TradingJournalStoreKind Store { get; set; } = TradingJournalStoreKind.Sqlite;

    /// <summary>The SQLite file, relative to the data directory. Default <c>trading-journal.db</c> (its own file: its group commits never wait on the event log's writer, nor it on them).</summary>
    public string Path { get; set; } = "trading-journal.db";

    /// <summary>The PostgreSQL connection string (<see cref="TradingJournalStoreKind.PostgreSql"/> only).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Rows that may wait for the writer; beyond it new orders are held (cancels pass) until it drains to half. Default 65,536.</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>Most rows in one transaction (one group commit, one fsync). Default 4,096.</summary>
    public int MaximumBatch { get; set; } = 4_096;

    /// <summary>Wait between attempts when the store fails. Default 100 ms.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How often a replica that follows a failover group and does not lead reads the rows the leader wrote, and applies
    /// them to its gate, so that its takeover reads only the rows since (a catch-up that stays short however long the
    /// session has run). Default 1 s.
    /// </summary>
    public TimeSpan FollowInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Where a new leader's positions come from. Default: the journal.</summary>
    public TakeoverSource Takeover { get; set; } = TakeoverSource.Journal;

    /// <summary>This writer's name in the journal; default a new id per start (rows of one start are told apart by it).</summary>
    public string? Writer { get; set; }

    internal List<OptionsError> Validate()
    {
        var errors = new List<OptionsError>();
        if (QueueCapacity is < 2 or > MaximumQueueCapacity)
        {
            errors.Add(new("trading.journal.queueCapacity", FormattableString.Invariant($"must be from 2 to {MaximumQueueCapacity:N0}, got {QueueCapacity}")));
        }

        if (MaximumBatch is < 1 or > MaximumBatchLimit)
        {
            errors.Add(new("trading.journal.maximumBatch", FormattableString.Invariant($"must be from 1 to {MaximumBatchLimit:N0}, got {MaximumBatch}")));
        }

        if (RetryInterval <= TimeSpan.Zero || RetryInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add(new("trading.journal.retryIntervalSeconds", "must be greater than 0 and at most 60 seconds"));
        }

        if (FollowInterval <= TimeSpan.Zero || FollowInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add(new("trading.journal.followIntervalSeconds", "must be greater than 0 and at most 60 seconds"));
        }

        if (!Enum.IsDefined(Takeover))
        {
            errors.Add(new("trading.journal.takeover", "must be journal or dropCopy"));
        }

        switch (Store)
        {
            case TradingJournalStoreKind.Sqlite:
                if (ConnectionString is not null)
                {
                    errors.Add(new("trading.journal.connectionString", "only with store: postgres (a SQLite journal is the file named by path)"));
                }

                if (string.IsNullOrWhiteSpace(Path) || System.IO.Path.IsPathRooted(Path) || Path.Split('/', '\\').Contains("..") ||
                    Path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0 || Path.Any(char.IsControl))
                {
                    errors.Add(new("trading.journal.path", "must be a file name relative to the data directory, without '..'"));
                }
                else if (string.Equals(System.IO.Path.GetFileName(Path), BulwarkDefaults.DatabaseFileName, StringComparison.Ordinal))
                {
                    errors.Add(new("trading.journal.path", $"must not be the event log's file ({BulwarkDefaults.DatabaseFileName})"));
                }

                break;
            case TradingJournalStoreKind.PostgreSql:
                if (string.IsNullOrWhiteSpace(ConnectionString))
                {
                    errors.Add(new("trading.journal.connectionString", "required with store: postgres"));
                }

                break;
            default:
                errors.Add(new("trading.journal.store", "must be sqlite or postgres"));
                break;
        }

        if (Writer is { } writer && (string.IsNullOrWhiteSpace(writer) || writer.Length > 128))
        {
            errors.Add(new("trading.journal.writer", "must be 1 to 128 characters"));
        }

        return errors;
    }
}
